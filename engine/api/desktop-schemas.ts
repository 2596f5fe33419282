// One zod schema per request and response shape of the desktop API (desktop.ts): the fleet of
// masters, app settings and OS notifications. The desktop service validates what it is given with
// these (over IPC and over HTTP alike), the IPC bridge checks the renderer's arguments with them,
// and desktop.ts derives its types from them. Platform-neutral (no node: imports).

import { z } from 'zod';

/** A name the user gives a master. */
const MAX_NAME_LEN = 256;

export const MasterEntrySchema = z.object({
  /** `local`, or an ID chosen when the master was added. */
  id: z.string(),
  /** What the user called it (`''` = use the master's alias or address). */
  name: z.string(),
  /** The API base including `/v1`. */
  url: z.string(),
  /** SHA-256 fingerprint of a certificate the user chose to trust (self-signed `tls=1`), else `''`. */
  fingerprint: z.string(),
  local: z.boolean(),
});

const name = z.string().max(MAX_NAME_LEN, `at most ${MAX_NAME_LEN} characters`);
/** The master's API key: surrounding white space (from a paste) is not part of it. */
const apiKey = z.string().trim();

export const AddMasterRequestSchema = z.object({
  name: name.optional(),
  /** The API base (a bare address means the default `/api/v1`). */
  url: z.string(),
  key: apiKey.min(1, 'the master’s API key is required'),
  /** Trust this self-signed certificate (as shown by a previous attempt's error). */
  fingerprint: z.string().trim().optional(),
});

export const UpdateMasterRequestSchema = z.object({
  name: name.optional(),
  url: z.string().optional(),
  key: apiKey.optional(),
  fingerprint: z.string().trim().optional(),
});

export const ApiAccessSchema = z.object({
  /** loopback: 127.0.0.1 only; network: every interface (requires TLS). */
  mode: z.enum(['loopback', 'network']),
  port: z.number().int().min(0, 'expected a port number 0-65535').max(65535, 'expected a port number 0-65535'),
  /** 1: a self-signed certificate; 2: the certificate files below. Ignored for loopback. */
  tls: z.literal([0, 1, 2]),
  crt: z.string(),
  key: z.string(),
});

export const AppSettingsSchema = z.object({
  /** null where the platform or mode has no login items (headless, browser). */
  autostart: z.boolean().nullable(),
  apiAccess: ApiAccessSchema,
  /** Where the local master's API is reachable now. */
  localApi: z.string(),
  /** The settings saved but not yet in effect (a restart of the app applies them). */
  pendingRestart: z.boolean(),
  /** UI language last chosen ('' = not chosen: follow the system). */
  locale: z.string(),
});

export const SettingsPatchSchema = z.object({
  autostart: z.boolean().optional(),
  apiAccess: ApiAccessSchema.partial().optional(),
  /** UI language, so that the tray speaks it too. */
  locale: z.string().max(16, 'expected a language tag').optional(),
});

export const DesktopNotificationSchema = z.object({
  title: z.string(),
  body: z.string(),
});
