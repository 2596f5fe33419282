// The API interface every transport implements: the HTTP client (renderer in a browser, remote
// masters), the Electron IPC bridge, and the master's own handlers. The renderer never knows which
// one it talks to. Errors are values: every call resolves to ApiResult.

import type {
  CreateInstanceRequest,
  Instance,
  InstanceEvent,
  MasterInfo,
  PutInstanceRequest,
  TCPingResult,
  TrafficHistory,
  TrafficResolution,
  UpdateInstanceRequest,
} from './types';

export type ApiResult<T> = { ok: true; value: T } | { ok: false; status: number; error: string };

export interface Subscription {
  close(): void;
}

export interface NodePassApi {
  listInstances(): Promise<ApiResult<Instance[]>>;
  createInstance(req: CreateInstanceRequest): Promise<ApiResult<Instance>>;
  getInstance(id: string): Promise<ApiResult<Instance>>;
  updateInstance(id: string, req: UpdateInstanceRequest): Promise<ApiResult<Instance>>;
  replaceInstance(id: string, req: PutInstanceRequest): Promise<ApiResult<Instance>>;
  deleteInstance(id: string): Promise<ApiResult<null>>;
  getInfo(): Promise<ApiResult<MasterInfo>>;
  setMasterAlias(alias: string): Promise<ApiResult<MasterInfo>>;
  tcping(target: string): Promise<ApiResult<TCPingResult>>;
  /** Extension: per-minute / per-hour traffic totals (NodePass Desktop masters only). */
  trafficHistory(id: string, resolution: TrafficResolution): Promise<ApiResult<TrafficHistory>>;
  /**
   * Live events (SSE `instance`). `onState` reports connection state so the UI can show it; the
   * implementation reconnects by itself.
   */
  subscribe(onEvent: (e: InstanceEvent) => void, onState?: (connected: boolean) => void): Subscription;
}
