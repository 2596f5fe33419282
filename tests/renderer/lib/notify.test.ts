// The notification policy as a pure state machine: what a user would want to hear, and what not.

import { describe, expect, it } from 'vitest';
import { NotifyPolicy } from '../../../renderer/lib/notify';

const at = (s: number) => s * 1000;

function run(p: NotifyPolicy, steps: Array<[number, string, string?]>, key = 'local/a', name = 'web') {
  const out: string[] = [];
  for (const [sec, status, error] of steps) {
    if (status !== 'tick') p.observe(key, { status, name, error }, at(sec));
    for (const d of p.tick(at(sec))) out.push(`${sec}:${d.kind}:${d.status}:${d.reason}`);
  }
  return out;
}

describe('notification policy', () => {
  it('announces an error once it has held for the debounce, and the recovery after it', () => {
    const p = new NotifyPolicy({ debounceMs: 4000 });
    const out = run(p, [
      [0, 'running'],
      [10, 'error', 'Client error: dial tcp: connection refused'],
      [12, 'error', 'Client error: dial tcp: connection refused'],
      [14, 'tick'],
      [20, 'running'],
      [23, 'tick'],
      [24, 'tick'],
      [30, 'tick'],
    ]);
    expect(out).toEqual(['14:down:error:Client error: dial tcp: connection refused', '24:recovered:running:']);
  });

  it('stays quiet about a flap shorter than the debounce, and about a restart asked for here', () => {
    const p = new NotifyPolicy({ debounceMs: 4000 });
    expect(run(p, [[0, 'running'], [5, 'error'], [7, 'running'], [12, 'tick'], [20, 'tick']])).toEqual([]);
    p.expect('local/a', 'restart', at(30));
    expect(run(p, [[30, 'stopped'], [31, 'tick'], [36, 'tick'], [37, 'running'], [50, 'tick']])).toEqual([]);
  });

  it('calls a stop nobody here asked for "down", a stop asked for nothing, and is silent on first sight', () => {
    const p = new NotifyPolicy({ debounceMs: 2000 });
    // First sight of a broken instance (opening the app): no announcement.
    expect(run(p, [[0, 'error'], [10, 'tick']], 'local/b')).toEqual([]);
    expect(run(p, [[0, 'running'], [1, 'stopped'], [3, 'tick']], 'local/c')).toEqual(['3:down:stopped:']);
    p.expect('local/d', 'stop', at(0));
    expect(run(p, [[0, 'running'], [1, 'stopped'], [3, 'tick'], [30, 'tick']], 'local/d')).toEqual([]);
    // Started again later and then lost: that stop is news again (the expectation ran out).
    expect(run(p, [[40, 'running'], [41, 'stopped'], [44, 'tick']], 'local/d')).toEqual(['44:down:stopped:']);
  });

  it('a freshly started instance that stops at once is caught (starting is not debounced)', () => {
    const p = new NotifyPolicy({ debounceMs: 4000 });
    expect(run(p, [[0, 'stopped'], [1, 'running'], [2, 'stopped'], [6, 'tick']])).toEqual(['6:down:stopped:']);
  });

  it('mute and the global switch decide without announcing; no recovery for an unannounced fall', () => {
    const muted = new Set(['local/a']);
    let enabled = true;
    const p = new NotifyPolicy({ debounceMs: 1000, muted: (k) => muted.has(k), enabled: () => enabled });
    expect(run(p, [[0, 'running'], [1, 'error'], [3, 'tick'], [4, 'running'], [6, 'tick']])).toEqual([]);
    expect(p.state('local/a')).toEqual({ stable: 'up', pending: null });
    muted.clear();
    enabled = false;
    expect(run(p, [[10, 'error'], [12, 'tick']])).toEqual([]);
    enabled = true;
    expect(run(p, [[13, 'running'], [15, 'tick']])).toEqual([]);
    expect(run(p, [[20, 'error'], [22, 'tick'], [23, 'running'], [25, 'tick']])).toEqual(['22:down:error:', '25:recovered:running:']);
  });

  it('keeps instances apart and orders decisions by when their states began', () => {
    const p = new NotifyPolicy({ debounceMs: 1000 });
    p.observe('m/x', { status: 'running', name: 'x' }, 0);
    p.observe('m/y', { status: 'running', name: 'y' }, 0);
    p.observe('m/y', { status: 'error', name: 'y' }, at(1));
    p.observe('m/x', { status: 'error', name: 'x' }, at(2));
    expect(p.tick(at(5)).map((d) => d.name)).toEqual(['y', 'x']);
    p.forget('m/x');
    expect(p.state('m/x')).toBeNull();
  });
});
