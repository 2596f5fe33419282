// Every method of both APIs with its arguments, named and as schemas, so a call that arrives as
// plain data (the IPC bridge: the renderer is untrusted input) is checked against the same shapes
// as an HTTP body before it reaches a master or the desktop service. The table is typed against
// the interfaces: a method whose parameters change without its entry here fails the type check.

import { z } from 'zod';
import type { ApiResult, NodePassApi } from './contract';
import {
  AddMasterRequestSchema,
  DesktopNotificationSchema,
  SettingsPatchSchema,
  UpdateMasterRequestSchema,
} from './desktop-schemas';
import type { DesktopApi, DesktopMethod } from './desktop';
import type { ApiMethod } from './bridge';
import {
  CreateInstanceRequestSchema,
  MasterAliasSchema,
  parseValue,
  PutInstanceRequestSchema,
  ResolutionSchema,
  UpdateInstanceRequestSchema,
} from './schemas';

/** One parameter: its name (for messages) and its schema. */
type Param<T> = readonly [name: string, schema: z.ZodType<T>];
type Params<A extends readonly unknown[]> = { readonly [K in keyof A]: Param<A[K]> };
type ParamsOf<F> = F extends (...a: infer A) => unknown ? Params<A> : never;

const id = (what: string) => z.string().min(1, `expected ${what}`);
const instanceId = ['id', id('an instance id')] as const;
const masterId = ['id', id('a master id')] as const;

export const API_ARGS: { readonly [M in ApiMethod]: ParamsOf<NodePassApi[M]> } = {
  listInstances: [],
  createInstance: [['request', CreateInstanceRequestSchema]],
  getInstance: [instanceId],
  updateInstance: [instanceId, ['update', UpdateInstanceRequestSchema]],
  replaceInstance: [instanceId, ['request', PutInstanceRequestSchema]],
  deleteInstance: [instanceId],
  getInfo: [],
  setMasterAlias: [['alias', MasterAliasSchema]],
  tcping: [['target', id('host:port')]],
  trafficHistory: [instanceId, ['resolution', ResolutionSchema]],
};

export const DESKTOP_ARGS: { readonly [M in DesktopMethod]: ParamsOf<DesktopApi[M]> } = {
  listMasters: [],
  addMaster: [['request', AddMasterRequestSchema]],
  updateMaster: [masterId, ['update', UpdateMasterRequestSchema]],
  removeMaster: [masterId],
  getSettings: [],
  setSettings: [['patch', SettingsPatchSchema]],
  notify: [['notification', DesktopNotificationSchema]],
};

/**
 * The arguments as their schemas parse them (unknown fields dropped), or a 400 that names the
 * method and the argument: `updateInstance: update.restart: expected boolean, got string`.
 */
export function checkArgs(method: string, params: readonly Param<unknown>[], args: readonly unknown[]): ApiResult<unknown[]> {
  if (args.length !== params.length) {
    const names = params.map(([name]) => name).join(', ');
    return { ok: false, status: 400, error: `${method}: expected ${params.length === 0 ? 'no arguments' : `${params.length} (${names})`}, got ${args.length}` };
  }
  const out: unknown[] = [];
  for (let i = 0; i < params.length; i++) {
    const [name, schema] = params[i];
    const p = parseValue(schema, args[i], [name]);
    if (!p.ok) return { ok: false, status: 400, error: `${method}: ${p.error}` };
    out.push(p.value);
  }
  return { ok: true, value: out };
}
