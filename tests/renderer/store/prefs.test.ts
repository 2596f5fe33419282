// Preferences: kept in the storage handed in, read back by the next page, tolerant of old and
// broken saves, and a removed master's instances leave nothing behind.

import { describe, expect, it } from 'vitest';
import { createPrefs, type Theme } from '../../../renderer/store/prefs';
import { MemoryStorage } from '../helpers/services';

describe('preferences', () => {
  it('persist every choice and load them in the next page', () => {
    const storage = new MemoryStorage();
    const a = createPrefs({ storage, systemTheme: () => 'light' });
    a.setThemeChoice('dark');
    a.set({ locale: 'zh', notifications: false, order: ['m/b', 'm/a'] });
    a.toggleMuted('m/a');
    const b = createPrefs({ storage, systemTheme: () => 'light' });
    expect(b.state.getState()).toEqual({ themeChoice: 'dark', theme: 'dark', locale: 'zh', notifications: false, muted: { 'm/a': true }, order: ['m/b', 'm/a'] });
    b.toggleMuted('m/a');
    expect(b.state.getState().muted).toEqual({});
  });

  it('"system" follows the system theme as it changes; an explicit choice does not', () => {
    let system: Theme = 'dark';
    const p = createPrefs({ storage: null, systemTheme: () => system });
    expect(p.state.getState()).toMatchObject({ themeChoice: 'system', theme: 'dark' });
    system = 'light';
    p.systemThemeChanged();
    expect(p.state.getState().theme).toBe('light');
    p.setTheme('dark');
    system = 'light';
    p.systemThemeChanged();
    expect(p.state.getState()).toMatchObject({ themeChoice: 'dark', theme: 'dark' });
  });

  it('reads a save with only a theme as that choice, and a broken save as the defaults', () => {
    const storage = new MemoryStorage();
    storage.setItem('npd.prefs', JSON.stringify({ theme: 'dark', muted: 'x', order: ['a', 3] }));
    expect(createPrefs({ storage, systemTheme: () => 'light' }).state.getState()).toEqual({ themeChoice: 'dark', theme: 'dark', locale: '', notifications: true, muted: {}, order: ['a'] });
    storage.setItem('npd.prefs', '{');
    expect(createPrefs({ storage, systemTheme: () => 'light' }).state.getState()).toMatchObject({ themeChoice: 'system', theme: 'light', order: [] });
  });

  it('forgets the muted and ordered instances of one master only', () => {
    const storage = new MemoryStorage();
    const p = createPrefs({ storage, systemTheme: () => 'light' });
    p.set({ muted: { 'tokyo/a': true, 'local/b': true }, order: ['tokyo/a', 'local/b', 'tokyo/c'] });
    p.forget('tokyo/');
    expect([p.state.getState().muted, p.state.getState().order]).toEqual([{ 'local/b': true }, ['local/b']]);
    expect(JSON.parse(storage.getItem('npd.prefs')!).order).toEqual(['local/b']);
  });
});
