// `desktop.json` next to the master's state: the fleet of remote masters with their API keys and
// the settings that live outside the page. Mode 0600 (it holds keys), replaced by rename. A file
// damaged by hand loses only what is damaged: a bad master entry is left out, bad API access
// settings fall back to the defaults.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { checkApiAccess, DEFAULT_API_ACCESS, type ApiAccess } from '../engine/api/desktop';
import { ApiAccessSchema } from '../engine/api/desktop-schemas';

export const DESKTOP_FILE = 'desktop.json';
const FORMAT = 'nodepass-desktop-fleet';

const StoredMasterSchema = z.object({
  id: z.string(),
  name: z.string().catch(''),
  url: z.string(),
  key: z.string(),
  fingerprint: z.string().catch(''),
});

export type StoredMaster = z.infer<typeof StoredMasterSchema>;

export interface FleetFile {
  format: typeof FORMAT;
  version: 1;
  masters: StoredMaster[];
  apiAccess: ApiAccess;
  locale: string;
}

/** The file's content; an empty fleet when there is no file yet. Throws for a file that is not ours. */
export function readFleetFile(file: string): FleetFile {
  const empty: FleetFile = { format: FORMAT, version: 1, masters: [], apiAccess: { ...DEFAULT_API_ACCESS }, locale: '' };
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    return empty;
  }
  const j = JSON.parse(raw) as Partial<Record<keyof FleetFile, unknown>>;
  if (j.format !== FORMAT) throw new Error(`${file}: not a NodePass Desktop fleet file`);
  const masters = (Array.isArray(j.masters) ? j.masters : []).flatMap((m) => {
    const p = StoredMasterSchema.safeParse(m);
    return p.success ? [p.data] : [];
  });
  const access = ApiAccessSchema.safeParse({ ...DEFAULT_API_ACCESS, ...(typeof j.apiAccess === 'object' ? j.apiAccess : {}) });
  return {
    ...empty,
    masters,
    apiAccess: access.success && checkApiAccess(access.data) === null ? access.data : { ...DEFAULT_API_ACCESS },
    locale: typeof j.locale === 'string' ? j.locale : '',
  };
}

export function writeFleetFile(file: string, content: FleetFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}
