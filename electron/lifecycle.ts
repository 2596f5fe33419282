// App lifecycle rules, over the few `app` methods they need: one running copy (a second launch
// focuses the first), the app lives on in the tray when its window closes, and quitting stops the
// master — and with it every instance — before the process exits.

import type { App } from 'electron';

export type AppLike = Pick<App, 'requestSingleInstanceLock' | 'on' | 'quit' | 'exit'>;

/** Returns false when another copy is already running (the caller should quit). */
export function claimSingleInstance(app: AppLike, onSecondLaunch: () => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', () => onSecondLaunch());
  return true;
}

export interface QuitOptions {
  /** Stops the master and its instances. */
  stop(): Promise<void>;
  /** Upper bound for stop(); the app exits anyway after it. */
  timeoutMs: number;
  onError?(e: Error): void;
}

export interface QuitControl {
  readonly quitting: boolean;
}

export function gracefulQuit(app: AppLike, o: QuitOptions): QuitControl {
  let quitting = false;
  let done = false;
  // Closing the last window keeps the app in the tray; only an explicit quit ends it.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (done) return;
    event.preventDefault();
    if (quitting) return;
    quitting = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, o.timeoutMs)));
    void Promise.race([o.stop().catch((e: Error) => o.onError?.(e)), timeout]).finally(() => {
      clearTimeout(timer);
      done = true;
      app.exit(0);
    });
  });
  return {
    get quitting() {
      return quitting;
    },
  };
}
