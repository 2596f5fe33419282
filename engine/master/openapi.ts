// openapi.json (spec §9.11), OpenAPI 3.1, generated from the zod schemas the handlers validate
// with (engine/api/schemas.ts). Paths are those of NodePass plus our extensions (marked as such).

import { z } from 'zod';
import {
  CreateInstanceRequestSchema,
  ErrorSchema,
  InstanceEventSchema,
  InstanceSchema,
  MasterInfoSchema,
  MetaSchema,
  PeerRequestSchema,
  PeerSchema,
  PutInstanceRequestSchema,
  TCPingResultSchema,
  TrafficHistorySchema,
  TrafficPointSchema,
  UpdateInstanceRequestSchema,
  UpdateMasterAliasRequestSchema,
} from '../api/schemas';

/** The components of openapi.json, by name. */
const NAMED_SCHEMAS: Record<string, z.ZodType> = {
  Instance: InstanceSchema,
  Meta: MetaSchema,
  Peer: PeerSchema,
  InstanceEvent: InstanceEventSchema,
  MasterInfo: MasterInfoSchema,
  TCPingResult: TCPingResultSchema,
  TrafficHistory: TrafficHistorySchema,
  TrafficPoint: TrafficPointSchema,
  Error: ErrorSchema,
  CreateInstanceRequest: CreateInstanceRequestSchema,
  UpdateInstanceRequest: UpdateInstanceRequestSchema,
  PeerRequest: PeerRequestSchema,
  PutInstanceRequest: PutInstanceRequestSchema,
  UpdateMasterAliasRequest: UpdateMasterAliasRequestSchema,
};

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string, description: string) => ({ description, content: { 'application/json': { schema: ref(name) } } });
const err = (description: string) => json('Error', description);
const body = (name: string) => ({ required: true, content: { 'application/json': { schema: ref(name) } } });

let cached: Json | null = null;

function componentSchemas(): Record<string, Json> {
  const reg = z.registry<{ id: string }>();
  for (const [id, s] of Object.entries(NAMED_SCHEMAS)) reg.add(s, { id });
  const out = z.toJSONSchema(reg, { uri: (id) => `#/components/schemas/${id}`, io: 'input', unrepresentable: 'any' }) as { schemas: Record<string, Json> };
  for (const s of Object.values(out.schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  return out.schemas;
}

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Instance ID (`********` is the API-key record)' };

function paths(): Json {
  return {
    '/instances': {
      get: {
        summary: 'List instances',
        description: 'Every instance, the API-key record `********` first.',
        responses: { 200: { description: 'Instances', content: { 'application/json': { schema: { type: 'array', items: ref('Instance') } } } }, 401: err('Missing or wrong API key') },
      },
      post: {
        summary: 'Create an instance',
        description: 'Validates the URL, stores the instance (restart=true) and starts it.',
        requestBody: body('CreateInstanceRequest'),
        responses: { 201: json('Instance', 'Created'), 400: err('Invalid body or URL'), 401: err('Missing or wrong API key'), 409: err('Instance ID already exists'), 413: err('Body too large') },
      },
    },
    '/instances/{id}': {
      parameters: [idParam],
      get: { summary: 'Get an instance', responses: { 200: json('Instance', 'The instance'), 400: err('Empty ID'), 401: err('Missing or wrong API key'), 404: err('Instance not found') } },
      patch: {
        summary: 'Update an instance',
        description:
          'alias, action (start/stop/restart/reset), restart flag, meta. The whole body is validated before anything changes. On `********`, action `restart` regenerates the API key and closes all event streams.',
        requestBody: body('UpdateInstanceRequest'),
        responses: { 200: json('Instance', 'The instance after the update'), 400: err('Invalid body'), 401: err('Missing or wrong API key'), 404: err('Instance not found'), 413: err('Body too large') },
      },
      put: {
        summary: "Replace an instance's URL",
        description: 'Stops the instance, stores the new URL and starts it.',
        requestBody: body('PutInstanceRequest'),
        responses: {
          200: json('Instance', 'The instance'),
          400: err('Invalid body or URL'),
          401: err('Missing or wrong API key'),
          403: err('The API-key record cannot be changed'),
          404: err('Instance not found'),
          409: err('The URL is the current one'),
          413: err('Body too large'),
        },
      },
      delete: {
        summary: 'Delete an instance',
        description: 'Stops it if running, then removes it.',
        responses: { 204: { description: 'Deleted' }, 401: err('Missing or wrong API key'), 403: err('The API-key record cannot be deleted'), 404: err('Instance not found') },
      },
    },
    '/instances/{id}/traffic': {
      parameters: [idParam],
      get: {
        summary: 'Traffic history (extension)',
        parameters: [{ name: 'resolution', in: 'query', required: false, schema: { type: 'string', enum: ['minute', 'hour'], default: 'minute' } }],
        responses: { 200: json('TrafficHistory', 'Per-minute (24 h) or per-hour (30 days) byte totals'), 400: err('Invalid resolution'), 401: err('Missing or wrong API key'), 404: err('Instance not found') },
      },
    },
    '/events': {
      get: {
        summary: 'Live events (Server-Sent Events)',
        description:
          '`retry: 3000`, one `initial` event per record, then `event: instance` with an InstanceEvent per change (create, update, delete, log, shutdown). Comment lines are heartbeats. A subscriber that falls too far behind gets `event: resync` and the stream ends; reconnect to get a fresh `initial` burst.',
        responses: { 200: { description: 'Event stream', content: { 'text/event-stream': { schema: ref('InstanceEvent') } } }, 401: err('Missing or wrong API key') },
      },
    },
    '/info': {
      get: { summary: 'Master information', responses: { 200: json('MasterInfo', 'Master and host information'), 401: err('Missing or wrong API key') } },
      post: {
        summary: "Set the master's alias",
        requestBody: body('UpdateMasterAliasRequest'),
        responses: { 200: json('MasterInfo', 'Master information'), 400: err('Invalid body'), 401: err('Missing or wrong API key'), 413: err('Body too large') },
      },
    },
    '/tcping': {
      get: {
        summary: 'TCP connect test',
        parameters: [{ name: 'target', in: 'query', required: true, schema: { type: 'string' }, description: 'host:port' }],
        responses: { 200: json('TCPingResult', 'Result (also when the connection failed)'), 400: err('Target address required'), 401: err('Missing or wrong API key') },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (extension)',
        description: 'Text exposition format 0.0.4. Accepts `X-API-Key` or `Authorization: Bearer <key>`.',
        responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, 401: err('Missing or wrong API key') },
      },
    },
    '/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } } } },
    '/docs': { get: { summary: 'API documentation page (works offline)', security: [], responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } } } },
  };
}

export function openApiDocument(basePath: string, version: string): Json {
  cached ??= { schemas: componentSchemas(), paths: paths() };
  return {
    openapi: '3.1.1',
    info: {
      title: 'NodePass API',
      version: 'v1',
      description: `NodePass v1.14 compatible master API (NodePass Desktop ${version}). Send the API key in \`X-API-Key\`.`,
    },
    servers: [{ url: basePath }],
    security: [{ ApiKeyAuth: [] }],
    paths: cached.paths,
    components: {
      securitySchemes: { ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
      schemas: cached.schemas,
    },
  };
}
