// One zod schema per request and response shape of the master API (spec §9.5, §9.6). The types in
// types.ts are derived from these; the master's handlers validate with them and generate
// openapi.json from them, and the IPC bridge checks the renderer's arguments against them, so no
// copy can drift. Platform-neutral (no node: imports): the renderer may bundle this module.
//
// Requests accept what NodePass's Go decoder accepts (unknown fields ignored, `null` = absent) but,
// unlike NodePass, a wrong type is a 400 that names the field (§10.2 #10).

import { z } from 'zod';
import { API_KEY_ID } from './types';

/** NodePass limits aliases, peer fields and tags to 256 bytes (Go `len`, i.e. UTF-8 bytes). */
const MAX_VALUE_LEN = 256;

const encoder = new TextEncoder();
function byteLength(s: string): number {
  return encoder.encode(s).length;
}

function limited(message: string) {
  return z
    .string()
    .refine((v) => byteLength(v) <= MAX_VALUE_LEN, { message })
    .meta({ maxLength: MAX_VALUE_LEN });
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

// ---- responses ----

export const PeerSchema = z
  .object({
    sid: z.string().meta({ description: 'Peer service ID' }),
    type: z.string().meta({ description: 'Peer service type' }),
    alias: z.string().meta({ description: 'Peer service alias' }),
  })
  .meta({ description: 'The peer this instance belongs to (free-form, set by dashboards)' });

export const MetaSchema = z.object({
  peer: PeerSchema,
  tags: z.record(z.string(), z.string()).meta({ description: 'Tags, keys sorted' }),
});

export const InstanceSchema = z
  .object({
    id: z.string().meta({ description: `8 lowercase hex digits; \`${API_KEY_ID}\` is the API-key record` }),
    alias: z.string(),
    type: z.enum(['server', 'client', '']).meta({ description: '`""` for the API-key record' }),
    status: z.enum(['running', 'stopped', 'error', '']).meta({ description: '`""` for the API-key record' }),
    url: z.string().meta({ description: 'The normalised URL that runs; the API key for the API-key record' }),
    config: z.string().meta({ description: 'The URL with every default filled in; the master ID for the API-key record' }),
    restart: z.boolean().meta({ description: 'Start automatically when the master starts' }),
    meta: MetaSchema,
    mode: z.number().int(),
    ping: z.number().int().meta({ description: 'Tunnel round trip, ms' }),
    pool: z.number().int().meta({ description: 'Idle pooled connections' }),
    tcps: z.number().int(),
    udps: z.number().int(),
    tcprx: z.number().int().min(0),
    tcptx: z.number().int().min(0),
    udprx: z.number().int().min(0),
    udptx: z.number().int().min(0),
    error: z.string().optional().meta({ description: 'Extension: the last error line while status is `error`' }),
  })
  .meta({ description: 'A tunnel instance (or the API-key record)' });

export const InstanceEventSchema = z.object({
  type: z.enum(['initial', 'create', 'update', 'delete', 'log', 'shutdown']),
  time: z.string().meta({ description: 'RFC 3339 with sub-second digits and the local offset' }),
  instance: InstanceSchema.nullable(),
  logs: z.string().meta({ description: 'The raw log line (ANSI colours included) for `log`, else ""' }),
});

export const MasterInfoSchema = z.object({
  alias: z.string(),
  arch: z.string().meta({ description: 'Go GOARCH names: amd64, arm64, …' }),
  cpu: z.number().int().meta({ description: 'Percent busy, -1 when unknown' }),
  crt: z.string(),
  diskr: z.number().int(),
  diskw: z.number().int(),
  key: z.string().meta({ description: 'The TLS key file path (not the API key)' }),
  log: z.string(),
  mem_total: z.number().int(),
  mem_used: z.number().int(),
  mid: z.string().meta({ description: 'Master ID, 16 lowercase hex digits' }),
  name: z.string(),
  netrx: z.number().int(),
  nettx: z.number().int(),
  os: z.string(),
  swap_total: z.number().int(),
  swap_used: z.number().int(),
  sysup: z.number().int(),
  tls: z.string(),
  uptime: z.number().int(),
  ver: z.string(),
});

export const TCPingResultSchema = z.object({
  target: z.string(),
  connected: z.boolean(),
  latency: z.number().int().meta({ description: 'Connect time, ms' }),
  error: z.string().nullable(),
});

export const ErrorSchema = z.object({ error: z.string() });

export const TrafficPointSchema = z.object({
  t: z.number().int().meta({ description: 'Start of the bucket, ms since the epoch' }),
  tcprx: z.number().int(),
  tcptx: z.number().int(),
  udprx: z.number().int(),
  udptx: z.number().int(),
});

export const ResolutionSchema = z.enum(['minute', 'hour']);

export const TrafficHistorySchema = z
  .object({
    id: z.string(),
    resolution: ResolutionSchema,
    points: z.array(TrafficPointSchema).meta({ description: 'Bytes moved per bucket, oldest first; buckets without traffic are left out' }),
  })
  .meta({ description: 'Extension: per-minute totals for 24 h or per-hour totals for 30 days' });

// ---- requests ----

export const CreateInstanceRequestSchema = z.object({
  alias: limited(`Instance alias exceeds maximum length ${MAX_VALUE_LEN}`).nullish(),
  url: z.string().meta({ description: 'server://… or client://… URL' }),
});

const ACTIONS = ['start', 'stop', 'restart', 'reset'] as const;

export const PeerRequestSchema = z.object({
  sid: limited(`Meta peer.sid exceeds maximum length ${MAX_VALUE_LEN}`).nullish(),
  type: limited(`Meta peer.type exceeds maximum length ${MAX_VALUE_LEN}`).nullish(),
  alias: limited(`Meta peer.alias exceeds maximum length ${MAX_VALUE_LEN}`).nullish(),
});

export const UpdateInstanceRequestSchema = z.object({
  alias: limited(`Instance alias exceeds maximum length ${MAX_VALUE_LEN}`)
    .nullish()
    .meta({ description: 'Applied when non-empty' }),
  action: z
    .enum(ACTIONS, {
      error: (iss) =>
        typeof iss.input === 'string'
          ? `Invalid action: ${iss.input}`
          : `Invalid request body: action: expected string, got ${typeName(iss.input)}`,
    })
    .nullish()
    .meta({ description: 'For the API-key record only `restart` (regenerates the key) has an effect' }),
  restart: z.boolean().nullish().meta({ description: 'Start automatically when the master starts' }),
  meta: z
    .object({
      peer: PeerRequestSchema.nullish().meta({ description: 'Replaces the whole peer when present' }),
      tags: z
        .record(
          z.string().refine((k) => byteLength(k) <= MAX_VALUE_LEN, { message: `Meta tag key exceeds maximum length ${MAX_VALUE_LEN}` }),
          limited(`Meta tag value exceeds maximum length ${MAX_VALUE_LEN}`),
        )
        .nullish()
        .meta({ description: 'Replaces all tags when present' }),
    })
    .nullish(),
});

export const PutInstanceRequestSchema = z.object({
  url: z.string().meta({ description: 'server://… or client://… URL' }),
});

export const MasterAliasSchema = limited(`Master alias exceeds maximum length ${MAX_VALUE_LEN}`);

export const UpdateMasterAliasRequestSchema = z.object({
  alias: MasterAliasSchema.nullish(),
});

// ---- what a bad body is told ----

/**
 * The master's words for the first problem, as NodePass-compatible clients read them:
 * `Invalid request body: restart: expected boolean, got string`, or a rule's own message.
 */
function issueMessage(error: z.ZodError): string {
  const iss = error.issues[0];
  const where = iss.path.length > 0 ? iss.path.map(String).join('.') : 'body';
  if (iss.code === 'invalid_type') {
    const input = (iss as { input?: unknown }).input;
    const got = input === undefined ? 'nothing' : typeName(input);
    return `Invalid request body: ${where}: expected ${iss.expected}, got ${got}`;
  }
  if (iss.code === 'custom' || iss.code === 'invalid_value') return iss.message;
  if (iss.code === 'invalid_key' && iss.issues[0]?.code === 'custom') return iss.issues[0].message;
  return `Invalid request body: ${where}: ${iss.message}`;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Validates a decoded JSON body; the message names the field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): Parsed<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: `Invalid request body: expected a JSON object, got ${typeName(body)}` };
  }
  const r = schema.safeParse(body, { reportInput: true });
  return r.success ? { ok: true, value: r.data } : { ok: false, error: issueMessage(r.error) };
}

function listOf(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}` : (shown[0] ?? 'nothing');
}

/**
 * The first problem as `where: what` — `url: expected string, got number`,
 * `update.action: expected "start", "stop", "restart" or "reset", got "pause"` — for the desktop's
 * own API and the IPC bridge. `where` starts with `prefix` (e.g. the argument's name).
 */
function describeIssue(error: z.ZodError, prefix: readonly PropertyKey[] = []): string {
  const iss = error.issues[0];
  const where = [...prefix, ...iss.path].map(String).join('.');
  const input = (iss as { input?: unknown }).input;
  const got = input === undefined ? 'nothing' : iss.code === 'invalid_value' ? JSON.stringify(input) : typeName(input);
  let what: string;
  if (iss.code === 'invalid_type') what = `expected ${iss.expected}, got ${got}`;
  else if (iss.code === 'invalid_value') what = `expected ${listOf(iss.values)}, got ${got}`;
  else if (iss.code === 'invalid_key') what = iss.issues[0]?.message ?? iss.message;
  else what = iss.message;
  return where ? `${where}: ${what}` : what;
}

/** Validates any value (an argument, a body already known to be JSON); the message names the field. */
export function parseValue<T>(schema: z.ZodType<T>, value: unknown, prefix: readonly PropertyKey[] = []): Parsed<T> {
  const r = schema.safeParse(value, { reportInput: true });
  return r.success ? { ok: true, value: r.data } : { ok: false, error: describeIssue(r.error, prefix) };
}
