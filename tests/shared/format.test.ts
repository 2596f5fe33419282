// Units as people compare them across machines: binary prefixes, three significant digits.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clockTime, formatAxisBytes, formatBytes, formatCount, formatRate, formatUptime } from '../../shared/format';

describe('format', () => {
  it('bytes and rates use binary units with three significant digits', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(-5), '0 B');
    assert.equal(formatBytes(Number.NaN), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1536), '1.50 KiB');
    assert.equal(formatBytes(15 * 1024 + 512), '15.5 KiB');
    assert.equal(formatBytes(150 * 1024 * 1024), '150 MiB');
    assert.equal(formatBytes(2 ** 60), '1024 PiB');
    assert.equal(formatRate(1536), '1.50 KiB/s');
  });

  it('axis labels and counts stay short', () => {
    assert.equal(formatAxisBytes(0), '0');
    assert.equal(formatAxisBytes(512), '512');
    assert.equal(formatAxisBytes(1536), '1.5K');
    assert.equal(formatAxisBytes(12 * 1024 * 1024), '12M');
    assert.equal(formatCount(9999), '9999');
    assert.equal(formatCount(12_345), '12.3k');
    assert.equal(formatCount(123_456), '123k');
  });

  it('uptime shows the two largest units, the clock is local HH:MM:SS', () => {
    assert.equal(formatUptime(12.7), '12s');
    assert.equal(formatUptime(243), '4m 3s');
    assert.equal(formatUptime(5 * 3600 + 12 * 60), '5h 12m');
    assert.equal(formatUptime(3 * 86400 + 4 * 3600 + 59), '3d 4h');
    assert.equal(formatUptime(-3), '0s');
    const d = new Date(2026, 0, 2, 7, 5, 9);
    assert.equal(clockTime(d.getTime()), '07:05:09');
  });
});
