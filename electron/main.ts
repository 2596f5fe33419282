// Electron main process — the only file that loads 'electron' at run time; everything it does is
// in the modules it wires together. It starts the local master (a child process running the
// engine's CLI in Node mode, on loopback with its own API key, so scripts and other dashboards can
// manage this desktop too), bridges the window to it over IPC, and keeps the tray.

import { app, BrowserWindow, ipcMain, Menu, nativeImage, protocol, session, shell, Tray } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CHANNELS } from '../engine/api/ipc';
import { launchMaster, type MasterProcess } from '../engine/master/launch';
import { HttpApi } from '../engine/api/http-client';
import { t } from '../renderer/i18n';
import { formatRate } from '../renderer/lib/format';
import { registerApiHandlers } from './ipc-handlers';
import { claimSingleInstance, gracefulQuit } from './lifecycle';
import { localMasterLaunch } from './local-master';
import { appPaths } from './paths';
import { APP_SCHEME_PRIVILEGES, registerAppProtocol } from './protocol';
import { denyAllPermissions, hardenContents, isTrustedSender } from './security';
import { createTrayController, type TrayController } from './tray';
import { toMenuTemplate } from './tray-model';
import { createMainWindow, reveal } from './window';

const paths = appPaths(path.resolve(__dirname, '..'));
let win: BrowserWindow | null = null;
let master: MasterProcess | null = null;
let tray: Tray | null = null;
let trayCtl: TrayController | null = null;

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

  master = await launchMaster(localMasterLaunch(paths, process.env, (line) => process.stdout.write(line + '\n')));
  void master.exited.then((code) => {
    if (!quit.quitting) console.error(`master exited unexpectedly (code ${code})`);
  });
  const api = new HttpApi({ baseUrl: master.origin + master.basePath, apiKey: master.key });
  registerApiHandlers(ipcMain, api, { isTrusted: isTrustedSender });

  const icon = path.join(paths.assets, 'tray.png');
  tray = new Tray(existsSync(icon) ? nativeImage.createFromPath(icon) : nativeImage.createEmpty());
  tray.on('click', () => showWindow());
  trayCtl = createTrayController(
    api,
    {
      setMenu: (items) => tray?.setContextMenu(Menu.buildFromTemplate(toMenuTemplate(items, (a) => void trayCtl?.run(a)))),
      setToolTip: (text) => tray?.setToolTip(text),
      setTitle: process.platform === 'darwin' ? (text) => tray?.setTitle(text) : undefined,
    },
    {
      t,
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
