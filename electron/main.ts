// Electron main process — the only file that loads 'electron' at run time; everything it does is
// in the modules it wires together. It starts the local master (a child process running the
// engine's CLI in Node mode, on loopback with its own API key, so scripts and other dashboards can
// manage this desktop too), bridges the window to it over IPC, and keeps the tray.

import { app, BrowserWindow, ipcMain, Menu, nativeImage, nativeTheme, Notification, protocol, session, shell, Tray } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CHANNELS } from '../engine/api/bridge';
import { LOCAL_MASTER } from '../engine/api/desktop';
import type { MasterProcess } from '../desktop/launch';
import { defaultDataDir } from '../engine/master/paths';
import { formatRate } from '../shared/format';
import { resolveLocale, translator } from '../shared/i18n';
import { DESKTOP_FILE, readFleetFile } from '../desktop/fleet-file';
import { DesktopService } from '../desktop/service';
import { registerApiHandlers, type RegisteredHandlers } from './ipc-handlers';
import { claimSingleInstance, gracefulQuit } from './lifecycle';
import { launchLocalMaster, masterListen } from '../desktop/local-master';
import { localMasterLaunch } from './local-master';
import { appPaths } from './paths';
import { APP_SCHEME_PRIVILEGES, registerAppProtocol } from './protocol';
import { denyAllPermissions, hardenContents, isTrustedSender } from './security';
import { createTrayController, type TrayController } from './tray';
import { toMenuTemplate, trayIconName } from './tray-model';
import { createMainWindow, reveal } from './window';

const paths = appPaths(path.resolve(__dirname, '..'));
let win: BrowserWindow | null = null;
let master: MasterProcess | null = null;
let tray: Tray | null = null;
let trayCtl: TrayController | null = null;
let handlers: RegisteredHandlers | null = null;
// The tray's language: the user's choice from the settings, else the system's.
let tr = translator('en');

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

function showWindow(route?: string): void {
  if (!win || win.isDestroyed()) {
    win = createMainWindow(BrowserWindow, {
      preload: paths.preload,
      icon: existsSync(path.join(paths.assets, 'icon.png')) ? path.join(paths.assets, 'icon.png') : undefined,
      isQuitting: () => quit.quitting,
    });
  }
  reveal(win);
  if (route) win.webContents.send(CHANNELS.navigate, route);
}

const quit = gracefulQuit(app, {
  timeoutMs: 10_000,
  async stop() {
    trayCtl?.close();
    tray?.destroy();
    await master?.stop();
  },
  onError: (e) => console.error(`quit: ${e.message}`),
});

async function start(): Promise<void> {
  registerAppProtocol(protocol, paths.renderer);
  denyAllPermissions(session.defaultSession);
  app.on('web-contents-created', (_e, contents) => hardenContents(contents, (url) => void shell.openExternal(url)));

  // The fleet and settings live next to the master's state (the user's data directory).
  const file = path.join(defaultDataDir(), DESKTOP_FILE);
  const stored = readFleetFile(file);
  tr = translator(resolveLocale(stored.locale, app.getLocale()));
  const onLine = (line: string) => process.stdout.write(line + '\n');
  const base = localMasterLaunch(paths, process.env, onLine);
  const listen = masterListen({ masterHost: base.host ?? '127.0.0.1', masterPort: base.port ?? 0 }, stored.apiAccess);
  const launched = await launchLocalMaster(paths.cli, base.command, base.env ?? {}, listen, onLine);
  master = launched.master;
  void master.exited.then((code) => {
    if (!quit.quitting) console.error(`master exited unexpectedly (code ${code})`);
  });
  const m = master;
  const desktop = new DesktopService({
    file,
    local: () => ({ url: m.origin + m.basePath, key: m.key, fingerprint: launched.fingerprint }),
    appliedApiAccess: stored.apiAccess,
    autostart: {
      get: () => app.getLoginItemSettings().openAtLogin,
      set: (on) => app.setLoginItemSettings({ openAtLogin: on }),
    },
    notify: (n) => {
      if (!Notification.isSupported()) return;
      const note = new Notification({ title: n.title, body: n.body, icon: path.join(paths.assets, 'icon.png') });
      note.on('click', () => showWindow());
      note.show();
    },
    onLocale: (l) => {
      tr = translator(resolveLocale(l, app.getLocale()));
      trayCtl?.refresh(true);
    },
    onMasterChanged: (id) => handlers?.dropMaster(id),
  });
  handlers = registerApiHandlers(ipcMain, (id) => desktop.apiOf(id), { isTrusted: isTrustedSender, desktop });
  const api = desktop.apiOf(LOCAL_MASTER)!;

  // Tray icon: light or dark glyph to suit the panel, the "active" one while traffic flows; macOS
  // gets a template image it tints by itself.
  let iconName = '';
  const setIcon = (active: boolean) => {
    const name = trayIconName(process.platform, nativeTheme.shouldUseDarkColors, active);
    if (name === iconName) return;
    iconName = name;
    const file = path.join(paths.assets, 'tray', name);
    tray?.setImage(existsSync(file) ? nativeImage.createFromPath(file) : nativeImage.createEmpty());
  };
  tray = new Tray(nativeImage.createEmpty());
  setIcon(false);
  nativeTheme.on('updated', () => {
    iconName = '';
    setIcon(trayCtl?.active ?? false);
  });
  tray.on('click', () => showWindow());
  trayCtl = createTrayController(
    api,
    {
      setMenu: (items) => tray?.setContextMenu(Menu.buildFromTemplate(toMenuTemplate(items, (a) => void trayCtl?.run(a)))),
      setToolTip: (text) => tray?.setToolTip(text),
      setTitle: process.platform === 'darwin' ? (text) => tray?.setTitle(text) : undefined,
      setActive: (active) => setIcon(active),
    },
    {
      t: (key, vars) => tr.t(key, vars),
      formatRate,
      onOpen: () => showWindow(),
      onNew: () => showWindow('#/new'),
      onQuit: () => app.quit(),
    },
  );
  showWindow();
}

if (!claimSingleInstance(app, () => showWindow())) {
  app.quit();
} else {
  app
    .whenReady()
    .then(start)
    .catch((e: Error) => {
      console.error(`start: ${e.message}`);
      void master?.stop();
      app.exit(1);
    });
  app.on('activate', () => showWindow());
}
