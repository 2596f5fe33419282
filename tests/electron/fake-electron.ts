// Thin stand-ins for the few Electron objects the main-process modules take as parameters (ipcMain,
// a window's webContents, app). They only record and dispatch; everything behind them — the master,
// its instances, the HTTP client — is real. The only fakes in the test suite live here.

import { EventEmitter } from 'node:events';
import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import type { IpcMainLike } from '../../electron/ipc-handlers';

export class FakeSender extends EventEmitter {
  static next = 1;
  readonly id = FakeSender.next++;
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  destroyed = false;

  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
  of(channel: string): unknown[] {
    return this.sent.filter((s) => s.channel === channel).map((s) => s.payload);
  }
}

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;
type Listener = (event: IpcMainEvent, ...args: unknown[]) => void;

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();
  readonly listeners = new Map<string, Set<Listener>>();

  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  on(channel: string, listener: Listener): this {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)!.add(listener);
    return this;
  }
  removeListener(channel: string, listener: Listener): this {
    this.listeners.get(channel)?.delete(listener);
    return this;
  }

  /** What ipcRenderer.invoke from a page at `frameUrl` would get. */
  invoke(channel: string, frameUrl: string | null, sender: FakeSender, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    const event = { senderFrame: frameUrl === null ? null : { url: frameUrl }, sender } as unknown as IpcMainInvokeEvent;
    return Promise.resolve(h(event, ...args));
  }

  /** What ipcRenderer.send from a page at `frameUrl` would do. */
  send(channel: string, frameUrl: string | null, sender: FakeSender, ...args: unknown[]): void {
    const event = { senderFrame: frameUrl === null ? null : { url: frameUrl }, sender } as unknown as IpcMainEvent;
    for (const l of this.listeners.get(channel) ?? []) l(event, ...args);
  }
}

/** `app` as the lifecycle module sees it. */
export class FakeApp extends EventEmitter {
  lockGranted = true;
  exitCode: number | null = null;
  quitCalls = 0;
  readonly exited: Promise<number>;
  private resolveExit!: (code: number) => void;

  constructor() {
    super();
    this.exited = new Promise((r) => (this.resolveExit = r));
  }
  requestSingleInstanceLock(): boolean {
    return this.lockGranted;
  }
  quit(): void {
    this.quitCalls++;
    // Electron emits before-quit with a preventable event.
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (!prevented) this.exit(0);
  }
  exit(code = 0): void {
    this.exitCode = code;
    this.resolveExit(code);
  }
}

/** webContents as the security module sees it. */
export class FakeContents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.openHandler = h;
  }
  /** Emits a preventable navigation event; returns whether it was prevented. */
  navigate(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', url: string): boolean {
    let prevented = false;
    this.emit(event, { preventDefault: () => (prevented = true) }, url);
    return prevented;
  }
}

/** BrowserWindow as the window module sees it: records the options it was built with. */
export class FakeBrowserWindow extends EventEmitter {
  static created: FakeBrowserWindow[] = [];
  readonly loaded: string[] = [];
  menuRemoved = false;
  visible = false;
  readonly webContents = new FakeContents();

  constructor(readonly options: import('electron').BrowserWindowConstructorOptions) {
    super();
    FakeBrowserWindow.created.push(this);
  }
  removeMenu(): void {
    this.menuRemoved = true;
  }
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    return Promise.resolve();
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  isDestroyed(): boolean {
    return false;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  focus(): void {}
  /** A user closing the window: a preventable `close`; returns whether it was prevented. */
  tryClose(): boolean {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    return prevented;
  }
}
