// The tray menu as a pure function of the instance list: a checkbox per instance (checked = on),
// start all / stop all, open, quit — plus the tooltip with the total rate. main.ts turns the items
// into an Electron Menu; tests check the items directly.

import type { MenuItemConstructorOptions } from 'electron';
import type { Instance } from '../engine/api/types';
import { API_KEY_ID } from '../engine/api/types';
import type { MessageKey, Vars } from '../shared/i18n';

export type TrayAction =
  | { kind: 'open' }
  | { kind: 'new' }
  | { kind: 'start'; id: string }
  | { kind: 'stop'; id: string }
  | { kind: 'startAll' }
  | { kind: 'stopAll' }
  | { kind: 'quit' };

export interface TrayItem {
  type: 'normal' | 'checkbox' | 'separator' | 'submenu';
  label?: string;
  checked?: boolean;
  enabled?: boolean;
  action?: TrayAction;
  submenu?: TrayItem[];
  /** Instance id for checkbox items (tests and accessibility). */
  id?: string;
}

export type Translate = (key: MessageKey, vars?: Vars) => string;

export interface TrayModelOptions {
  connected: boolean;
  t: Translate;
  /** Instances listed directly; the rest are summarised by an "N more…" item that opens the window. */
  maxItems?: number;
}

const nameOf = (i: Instance) => i.alias || i.id;

export function trayMenu(instances: readonly Instance[], o: TrayModelOptions): TrayItem[] {
  const { t } = o;
  const max = o.maxItems ?? 15;
  const list = instances.filter((i) => i.id !== API_KEY_ID).sort((a, b) => nameOf(a).localeCompare(nameOf(b)) || a.id.localeCompare(b.id));
  const items: TrayItem[] = [{ type: 'normal', label: t('tray.open'), action: { kind: 'open' } }, { type: 'separator' }];
  if (!o.connected) {
    items.push({ type: 'normal', label: t('tray.offline'), enabled: false });
  } else if (list.length === 0) {
    items.push({ type: 'normal', label: t('tray.none'), enabled: false });
  } else {
    for (const i of list.slice(0, max)) {
      const on = i.status !== 'stopped';
      items.push({
        type: 'checkbox',
        id: i.id,
        label: i.status === 'error' ? t('tray.itemError', { name: nameOf(i) }) : nameOf(i),
        checked: on,
        action: on ? { kind: 'stop', id: i.id } : { kind: 'start', id: i.id },
      });
    }
    if (list.length > max) items.push({ type: 'normal', label: t('tray.more', { n: list.length - max }), action: { kind: 'open' } });
  }
  items.push(
    { type: 'separator' },
    { type: 'normal', label: t('tray.startAll'), enabled: o.connected && list.some((i) => i.status === 'stopped'), action: { kind: 'startAll' } },
    { type: 'normal', label: t('tray.stopAll'), enabled: o.connected && list.some((i) => i.status !== 'stopped'), action: { kind: 'stopAll' } },
    { type: 'normal', label: t('tray.new'), enabled: o.connected, action: { kind: 'new' } },
    { type: 'separator' },
    { type: 'normal', label: t('tray.quit'), action: { kind: 'quit' } },
  );
  return items;
}

export function trayTooltip(rate: { down: number; up: number }, t: Translate, format: (bps: number) => string): string {
  return t('tray.tooltip', { down: format(rate.down), up: format(rate.up) });
}

/** The macOS menu-bar title: compact rates, empty when idle so the icon stays alone. */
export function trayTitle(rate: { down: number; up: number }, format: (bps: number) => string): string {
  if (rate.down < 1 && rate.up < 1) return '';
  return `↓${format(rate.down)} ↑${format(rate.up)}`;
}

/** Items → Electron's menu template, with clicks routed to one handler. */
export function toMenuTemplate(items: readonly TrayItem[], onAction: (a: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((it) => {
    const base: MenuItemConstructorOptions = { type: it.type };
    if (it.label !== undefined) base.label = it.label;
    if (it.checked !== undefined) base.checked = it.checked;
    if (it.enabled !== undefined) base.enabled = it.enabled;
    if (it.submenu) base.submenu = toMenuTemplate(it.submenu, onAction);
    const action = it.action;
    if (action) base.click = () => onAction(action);
    return base;
  });
}

/**
 * Which file of assets/tray/ to show: macOS takes a template image (it tints it for the menu bar);
 * elsewhere a light glyph on dark panels and a dark one on light panels; `active` while traffic
 * flows. Each name has @2x/@3x siblings that Electron picks for HiDPI screens.
 */
export function trayIconName(platform: string, darkPanel: boolean, active: boolean): string {
  if (platform === 'darwin') return active ? 'trayActiveTemplate.png' : 'trayTemplate.png';
  if (platform === 'win32') return active ? (darkPanel ? 'tray-active-dark.ico' : 'tray-active-light.ico') : darkPanel ? 'tray-dark.ico' : 'tray-light.ico';
  return active ? (darkPanel ? 'tray-active-dark.png' : 'tray-active-light.png') : darkPanel ? 'tray-dark.png' : 'tray-light.png';
}
