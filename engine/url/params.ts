// The one table of NodePass URL query parameters (spec §2.4). Parsing, validation, the master's
// `config` defaults and the renderer's form all read it, so a parameter is described once.

import { parseGoDuration } from './duration';
import { isIP } from './ip';

export type Scheme = 'server' | 'client' | 'master';

export interface ParamSpec {
  name: string;
  /** Schemes where the parameter has an effect. Others accept it for compatibility and ignore it. */
  usedBy: readonly Scheme[];
  /** The value NodePass fills in for the master's `config` field (§9.9); absent = not filled. */
  configDefault?: { server?: string; client?: string };
  /** What a valid value looks like, for error messages and form hints. */
  expected: string;
  /** Short label for forms. */
  label: string;
  /** Returns true when the (non-empty) value is acceptable. */
  valid(value: string): boolean;
  /** Shown in the form's "Advanced" section rather than the main one. */
  advanced: boolean;
}

const oneOf =
  (...values: string[]) =>
  (v: string) =>
    values.includes(v);
const nonNegInt = (v: string) => /^\d+$/.test(v) && Number(v) <= 2147483647;
const posInt = (v: string) => nonNegInt(v) && Number(v) > 0;
const duration = (v: string) => {
  const ms = parseGoDuration(v);
  return ms !== null && ms >= 0;
};

export const PARAMS: readonly ParamSpec[] = [
  {
    name: 'log',
    usedBy: ['server', 'client', 'master'],
    expected: 'none, debug, info, warn, error or event',
    label: 'Log level',
    valid: oneOf('none', 'debug', 'info', 'warn', 'error', 'event'),
    advanced: false,
  },
  {
    name: 'tls',
    usedBy: ['server', 'master'],
    expected: '0, 1 or 2',
    label: 'TLS mode',
    valid: oneOf('0', '1', '2'),
    advanced: false,
  },
  {
    name: 'crt',
    usedBy: ['server', 'master'],
    expected: 'a PEM certificate file path',
    label: 'Certificate file',
    valid: (v) => v.length > 0,
    advanced: false,
  },
  {
    name: 'key',
    usedBy: ['server', 'master'],
    expected: 'a PEM private key file path',
    label: 'Key file',
    valid: (v) => v.length > 0,
    advanced: false,
  },
  {
    name: 'dns',
    usedBy: ['server', 'client'],
    configDefault: { server: '5m0s', client: '5m0s' },
    expected: 'a duration such as 30s, 5m or 1h (0 disables the cache)',
    label: 'DNS cache TTL',
    valid: duration,
    advanced: true,
  },
  {
    name: 'sni',
    usedBy: ['client'],
    configDefault: { client: 'none' },
    expected: 'a server name',
    label: 'TLS server name',
    valid: (v) => !/\s/.test(v),
    advanced: true,
  },
  {
    name: 'min',
    usedBy: ['client'],
    configDefault: { client: '64' },
    expected: 'a positive integer',
    label: 'Pool minimum',
    valid: posInt,
    advanced: false,
  },
  {
    name: 'max',
    usedBy: ['server'],
    configDefault: { server: '1024' },
    expected: 'a positive integer',
    label: 'Pool maximum',
    valid: posInt,
    advanced: false,
  },
  {
    name: 'mode',
    usedBy: ['server', 'client'],
    configDefault: { server: '0', client: '0' },
    expected: '0, 1 or 2',
    label: 'Run mode',
    valid: oneOf('0', '1', '2'),
    advanced: false,
  },
  {
    name: 'type',
    usedBy: ['server'],
    configDefault: { server: '0' },
    expected: '0 (TCP), 1 (QUIC), 2 (WebSocket) or 3 (HTTP/2)',
    label: 'Pool type',
    valid: oneOf('0', '1', '2', '3'),
    advanced: false,
  },
  {
    name: 'dial',
    usedBy: ['server', 'client'],
    configDefault: { server: 'auto', client: 'auto' },
    expected: 'auto or an IP address',
    label: 'Dial source IP',
    valid: (v) => v === 'auto' || isIP(v.replace(/^\[|\]$/g, '')) !== 0,
    advanced: true,
  },
  {
    name: 'read',
    usedBy: ['server', 'client'],
    configDefault: { server: '0s', client: '0s' },
    expected: 'a duration such as 30s or 5m (0 for no timeout)',
    label: 'Idle timeout',
    valid: duration,
    advanced: true,
  },
  {
    name: 'rate',
    usedBy: ['server', 'client'],
    configDefault: { server: '0', client: '0' },
    expected: 'a non-negative integer in Mbit/s (0 for unlimited)',
    label: 'Rate limit (Mbit/s)',
    valid: nonNegInt,
    advanced: true,
  },
  {
    name: 'slot',
    usedBy: ['server', 'client'],
    configDefault: { server: '65536', client: '65536' },
    expected: 'a non-negative integer (0 for unlimited)',
    label: 'Session limit',
    valid: nonNegInt,
    advanced: true,
  },
  {
    name: 'proxy',
    usedBy: ['server', 'client'],
    configDefault: { server: '0', client: '0' },
    expected: '0 or 1',
    label: 'PROXY protocol v1',
    valid: oneOf('0', '1'),
    advanced: true,
  },
  {
    name: 'block',
    usedBy: ['server', 'client'],
    configDefault: { server: '0', client: '0' },
    expected: '0, or digits from 1 (SOCKS), 2 (HTTP), 3 (TLS)',
    label: 'Block protocols',
    valid: (v) => /^[0-3]+$/.test(v),
    advanced: true,
  },
  {
    name: 'notcp',
    usedBy: ['server', 'client'],
    configDefault: { server: '0', client: '0' },
    expected: '0 or 1',
    label: 'Disable TCP',
    valid: oneOf('0', '1'),
    advanced: true,
  },
  {
    name: 'noudp',
    usedBy: ['server', 'client'],
    configDefault: { server: '0', client: '0' },
    expected: '0 or 1',
    label: 'Disable UDP',
    valid: oneOf('0', '1'),
    advanced: true,
  },
];

export const PARAM_BY_NAME: ReadonlyMap<string, ParamSpec> = new Map(PARAMS.map((p) => [p.name, p]));
