// When to tell the user about an instance, as a pure state machine (no timers, no DOM): an
// instance that goes to `error`, or stops without anyone here asking it to, is "down"; one that
// runs again after a notified "down" has "recovered". A state counts only once it has held for
// `debounceMs`, so a restart (running → stopped → running) or a flapping connection does not buzz.
// The caller feeds statuses as they arrive and asks tick() what to announce.

export type Health = 'up' | 'down' | 'off';

export interface NoticeDecision {
  kind: 'down' | 'recovered';
  key: string;
  name: string;
  /** The instance's status when the decision was taken. */
  status: string;
  /** Why (the instance's error line), when known. */
  reason: string;
  /** When the state began (not when it was decided). */
  since: number;
}

export interface NotifyPolicyOptions {
  /** A new state must hold this long before it is announced. Default 4000. */
  debounceMs?: number;
  /** A stop within this long after the user asked for stop/restart/delete is expected. Default 15000. */
  expectMs?: number;
  /** Instances the user muted (decided as usual, never announced). */
  muted?: (key: string) => boolean;
  /** Everything off (the setting). */
  enabled?: () => boolean;
}

interface Track {
  stable: Health;
  /** A "down" was announced and no "recovered" since. */
  announcedDown: boolean;
  pending: { health: Health; since: number; status: string; reason: string } | null;
  name: string;
}

function healthOf(status: string, expectedStop: boolean): Health {
  if (status === 'running') return 'up';
  if (status === 'error') return 'down';
  return expectedStop ? 'off' : 'down';
}

export class NotifyPolicy {
  private readonly tracks = new Map<string, Track>();
  /** Until when a stop of an instance is what the user asked for. */
  private readonly expected = new Map<string, number>();
  private readonly debounceMs: number;
  private readonly expectMs: number;

  constructor(private readonly o: NotifyPolicyOptions = {}) {
    this.debounceMs = o.debounceMs ?? 4000;
    this.expectMs = o.expectMs ?? 15000;
  }

  /** The user (here) asked for this: a stop that follows is not "unexpected". */
  expect(key: string, action: string, now: number): void {
    if (action !== 'stop' && action !== 'restart' && action !== 'delete') return;
    this.expected.set(key, now + this.expectMs);
  }

  /**
   * One status report. The first report of an instance sets its state quietly (opening the app
   * does not announce what was already broken); a stopped instance starts "off".
   */
  observe(key: string, inst: { status: string; name: string; error?: string }, now: number): void {
    const tr = this.tracks.get(key);
    const until = this.expected.get(key) ?? 0;
    const expected = until > now;
    if (until && !expected) this.expected.delete(key);
    if (!tr) {
      const first = inst.status === 'running' ? 'up' : inst.status === 'error' ? 'down' : 'off';
      this.tracks.set(key, { stable: first, announcedDown: false, pending: null, name: inst.name });
      return;
    }
    tr.name = inst.name;
    const h = inst.status === 'stopped' && (expected || tr.stable === 'off') ? 'off' : healthOf(inst.status, expected);
    if (h === tr.stable) {
      tr.pending = null;
      return;
    }
    // Starting something is never news: it counts as up at once, so a stop right after is caught.
    if (tr.stable === 'off' && h === 'up') {
      tr.stable = 'up';
      tr.pending = null;
      return;
    }
    if (tr.pending?.health === h) {
      if (inst.error) tr.pending.reason = inst.error;
      tr.pending.status = inst.status;
      return;
    }
    tr.pending = { health: h, since: now, status: inst.status, reason: inst.error ?? '' };
  }

  forget(key: string): void {
    this.tracks.delete(key);
    this.expected.delete(key);
  }

  /** Decisions whose state has held long enough, in the order their states began. */
  tick(now: number): NoticeDecision[] {
    const out: NoticeDecision[] = [];
    for (const [key, tr] of this.tracks) {
      const p = tr.pending;
      if (!p || now - p.since < this.debounceMs) continue;
      tr.pending = null;
      const was = tr.stable;
      tr.stable = p.health;
      let kind: NoticeDecision['kind'] | null = null;
      if (p.health === 'down' && was !== 'down') kind = 'down';
      else if (p.health === 'up' && tr.announcedDown) kind = 'recovered';
      if (p.health === 'off') tr.announcedDown = false;
      if (!kind) continue;
      const silent = this.o.enabled?.() === false || this.o.muted?.(key) === true;
      if (kind === 'down') tr.announcedDown = !silent;
      else tr.announcedDown = false;
      if (silent) continue;
      out.push({ kind, key, name: tr.name, status: p.status, reason: p.reason, since: p.since });
    }
    return out.sort((a, b) => a.since - b.since);
  }

  /** What the policy believes now (for tests and the UI). */
  state(key: string): { stable: Health; pending: Health | null } | null {
    const tr = this.tracks.get(key);
    return tr ? { stable: tr.stable, pending: tr.pending?.health ?? null } : null;
  }
}
