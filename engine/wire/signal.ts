// Control-channel signals (spec §4.4): JSON → XOR with the tunnel key → padded base64 → LF.

export interface Signal {
  action: string;
  remote?: string;
  id?: string;
  fp?: string;
}

export type DecodeResult = { ok: true; signal: Signal } | { ok: false; error: string };

function xorInPlace(data: Buffer, key: Buffer): Buffer {
  if (key.length === 0) return data;
  for (let i = 0; i < data.length; i++) data[i] ^= key[i % key.length];
  return data;
}

/** JSON in NodePass's field order (action, remote, id, fp), empty optional fields omitted. */
export function signalJson(s: Signal): string {
  const o: Record<string, string> = { action: s.action };
  if (s.remote) o.remote = s.remote;
  if (s.id) o.id = s.id;
  if (s.fp) o.fp = s.fp;
  return JSON.stringify(o);
}

export function encodeSignal(s: Signal, key: Buffer): Buffer {
  const data = xorInPlace(Buffer.from(signalJson(s), 'utf8'), key);
  return Buffer.from(data.toString('base64') + '\n', 'latin1');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes one line (without or with its LF). Errors are values: a bad line never throws. */
export function decodeSignal(line: Buffer | string, key: Buffer): DecodeResult {
  let text = typeof line === 'string' ? line : line.toString('latin1');
  text = text.replace(/\r?\n$/, '');
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text)) {
    return { ok: false, error: 'decode signal failed: illegal base64 data' };
  }
  const json = xorInPlace(Buffer.from(text, 'base64'), key).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    return { ok: false, error: `unmarshal signal failed: ${(e as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: 'unmarshal signal failed: not a JSON object' };
  }
  const o = parsed as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (typeof o.action !== 'string') return { ok: false, error: 'unmarshal signal failed: action is not a string' };
  return { ok: true, signal: { action: o.action, remote: str(o.remote), id: str(o.id), fp: str(o.fp) } };
}

/**
 * Splits a byte stream into LF-terminated lines. Lines longer than `maxLine` are dropped whole
 * (reported once) so a hostile peer cannot make the reader buffer without bound.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(
    private readonly maxLine: number,
    private readonly onLine: (line: Buffer) => void,
    private readonly onOversize: (bytes: number) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.discarding) {
        this.onOversize(this.size + piece.length);
        this.discarding = false;
        this.parts = [];
        this.size = 0;
        continue;
      }
      if (this.size + piece.length > this.maxLine) {
        this.onOversize(this.size + piece.length);
        this.parts = [];
        this.size = 0;
        continue;
      }
      const line = this.parts.length === 0 ? piece : Buffer.concat([...this.parts, piece]);
      this.parts = [];
      this.size = 0;
      this.onLine(line);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.discarding) return;
      if (this.size + rest.length > this.maxLine) {
        this.discarding = true;
        this.parts = [];
        this.size += rest.length;
        return;
      }
      this.parts.push(Buffer.from(rest));
      this.size += rest.length;
    }
  }
}
