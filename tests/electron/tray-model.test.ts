// The tray menu is a pure function of the instance list: checked = on, clicks map to actions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instance } from '../../engine/api/types';
import { translator } from '../../shared/i18n';
import { formatRate } from '../../shared/format';
import { toMenuTemplate, trayMenu, trayTitle, trayTooltip, type TrayAction } from '../../electron/tray-model';

const { t } = translator('en');

function inst(id: string, alias: string, status: Instance['status']): Instance {
  return {
    id,
    alias,
    type: 'server',
    status,
    url: '',
    config: '',
    restart: true,
    meta: { peer: { sid: '', type: '', alias: '' }, tags: {} },
    mode: 0,
    ping: 0,
    pool: 0,
    tcps: 0,
    udps: 0,
    tcprx: 0,
    tcptx: 0,
    udprx: 0,
    udptx: 0,
  };
}

const labels = (items: ReturnType<typeof trayMenu>) => items.map((i) => (i.type === 'separator' ? '---' : `${i.type === 'checkbox' ? (i.checked ? '[x] ' : '[ ] ') : ''}${i.label}${i.enabled === false ? ' (disabled)' : ''}`));

describe('trayMenu', () => {
  it('lists instances by name with a checkbox each, then the global actions', () => {
    const items = trayMenu(
      [inst('b2', 'web', 'stopped'), inst('a1', 'ssh', 'running'), inst('********', '', ''), inst('c3', '', 'error')],
      { connected: true, t },
    );
    assert.deepEqual(labels(items), [
      'Open NodePass Desktop',
      '---',
      '[x] c3 (error)',
      '[x] ssh',
      '[ ] web',
      '---',
      'Start all',
      'Stop all',
      'New instance…',
      '---',
      'Quit',
    ]);
    const actions = items.filter((i) => i.type === 'checkbox').map((i) => i.action);
    assert.deepEqual(actions, [
      { kind: 'stop', id: 'c3' },
      { kind: 'stop', id: 'a1' },
      { kind: 'start', id: 'b2' },
    ]);
  });

  it('disables start all / stop all when there is nothing to start or stop', () => {
    const allOn = trayMenu([inst('a', 'a', 'running')], { connected: true, t });
    assert.equal(allOn.find((i) => i.label === 'Start all')?.enabled, false);
    assert.equal(allOn.find((i) => i.label === 'Stop all')?.enabled, true);
    const allOff = trayMenu([inst('a', 'a', 'stopped')], { connected: true, t });
    assert.equal(allOff.find((i) => i.label === 'Stop all')?.enabled, false);
  });

  it('says so when the master is offline or has no instances', () => {
    assert.ok(labels(trayMenu([inst('a', 'a', 'running')], { connected: false, t })).includes('Master offline (disabled)'));
    assert.ok(labels(trayMenu([], { connected: true, t })).includes('No instances (disabled)'));
  });

  it('keeps a long list short: the rest is one item that opens the window', () => {
    const many = Array.from({ length: 40 }, (_, n) => inst(`id${n}`, `t${String(n).padStart(2, '0')}`, 'running'));
    const items = trayMenu(many, { connected: true, t, maxItems: 15 });
    assert.equal(items.filter((i) => i.type === 'checkbox').length, 15);
    const more = items.find((i) => i.label === '25 more…');
    assert.deepEqual(more?.action, { kind: 'open' });
  });
});

describe('tooltip and title', () => {
  it('shows the total rate', () => {
    assert.equal(trayTooltip({ down: 1536, up: 0 }, t, formatRate), 'NodePass — ↓ 1.50 KiB/s  ↑ 0 B/s');
    assert.equal(trayTitle({ down: 0, up: 0 }, formatRate), '');
    assert.equal(trayTitle({ down: 2 * 1024 * 1024, up: 512 }, formatRate), '↓2.00 MiB/s ↑512 B/s');
  });
});

describe('toMenuTemplate', () => {
  it('routes each click to the item action', () => {
    const seen: TrayAction[] = [];
    const tpl = toMenuTemplate(trayMenu([inst('a1', 'ssh', 'stopped')], { connected: true, t }), (a) => seen.push(a));
    const box = tpl.find((i) => i.type === 'checkbox')!;
    assert.equal(box.checked, false);
    (box.click as () => void)();
    (tpl.find((i) => i.label === 'Quit')!.click as () => void)();
    assert.deepEqual(seen, [{ kind: 'start', id: 'a1' }, { kind: 'quit' }]);
    assert.equal(tpl.find((i) => i.type === 'separator')?.click, undefined);
  });
});
