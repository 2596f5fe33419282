// The types of the master API's shapes, derived from their schemas (schemas.ts), shared by the
// master, the HTTP client, the IPC bridge and the renderer (spec §9.5). JSON field names and order
// are NodePass v1.14's. Type-only imports: a module that needs just the types does not pull in zod.

import type { z } from 'zod';
import type {
  CreateInstanceRequestSchema,
  InstanceEventSchema,
  InstanceSchema,
  MasterInfoSchema,
  MetaSchema,
  PeerSchema,
  PutInstanceRequestSchema,
  ResolutionSchema,
  TCPingResultSchema,
  TrafficHistorySchema,
  TrafficPointSchema,
  UpdateInstanceRequestSchema,
} from './schemas';

export type Peer = z.infer<typeof PeerSchema>;
export type Meta = z.infer<typeof MetaSchema>;
export type Instance = z.infer<typeof InstanceSchema>;
export type InstanceEvent = z.infer<typeof InstanceEventSchema>;
export type InstanceEventType = InstanceEvent['type'];
export type MasterInfo = z.infer<typeof MasterInfoSchema>;
export type TCPingResult = z.infer<typeof TCPingResultSchema>;
export type TrafficPoint = z.infer<typeof TrafficPointSchema>;
export type TrafficResolution = z.infer<typeof ResolutionSchema>;
export type TrafficHistory = z.infer<typeof TrafficHistorySchema>;

/** What a caller may send (`null` counts as absent, as with NodePass). */
export type CreateInstanceRequest = z.input<typeof CreateInstanceRequestSchema>;
export type UpdateInstanceRequest = z.input<typeof UpdateInstanceRequestSchema>;
export type PutInstanceRequest = z.input<typeof PutInstanceRequestSchema>;

/** The ID of the API-key pseudo-record. */
export const API_KEY_ID = '********';
