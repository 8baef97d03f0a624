// A container record that cannot be read (truncated or invalid JSON, fields
// missing) must not make its container vanish: a running one would lose its
// network to the next repair, and its name would stay claimed by a container
// no command can see. The damaged file is moved aside to
// <root>/quarantine/containers/<id>/, and the record is rebuilt from what
// survives (the other file, the identity copy kept in state.json, the name
// index) with status "damaged": listed, left running, never started again,
// removed by `rm -f`/`down` (which kill it through runc's own state) or
// recreated by `up`.
import { join } from 'node:path';
import type { ContainerSpec } from '../../../engine/types.js';
import { readJson, writeJsonAtomic } from '../../../util/atomic-file.js';
import type { ContainerConfigRecord, ContainerStateRecord } from './containers.js';
import { initialState } from './initial-state.js';
import { isJsonObject, quarantine } from './damaged-file.js';
import { listNames } from './name-index.js';
import type { StateRoot } from './root.js';

/** What a container's state.json keeps of its config, to rebuild a damaged config.json. */
export interface RecordIdentity {
  name: string;
  image: string;
  labels: Record<string, string>;
  created: string;
}

export function identityOf(config: ContainerConfigRecord): RecordIdentity {
  return { name: config.name, image: config.spec.image, labels: { ...config.spec.labels }, created: config.created };
}

export function identityIn(state: ContainerStateRecord): RecordIdentity | undefined {
  const id = (state.extra as { identity?: RecordIdentity }).identity;
  return id && typeof id.name === 'string' && isStringMap(id.labels) ? id : undefined;
}

/** Labels that would tell `up` the container matches its service: dropped, so that `up` recreates a damaged one. */
const TRUST_LABELS = ['com.docker.compose.config-hash', 'com.docker.compose.service-config'];

const isStringMap = (v: unknown): v is Record<string, string> => isJsonObject(v) && Object.values(v).every((x) => typeof x === 'string');

/** Why a parsed config.json cannot be used, or undefined when it can. */
export function configProblem(v: unknown, id: string): string | undefined {
  if (!isJsonObject(v)) return 'not a JSON object';
  if (v.id !== id) return `"id" is ${JSON.stringify(v.id)}, not the directory's ${id}`;
  if (typeof v.name !== 'string' || !v.name) return '"name" is missing';
  if (typeof v.created !== 'string') return '"created" is missing';
  if (!isJsonObject(v.spec) || typeof v.spec.image !== 'string' || !isStringMap(v.spec.labels)) return '"spec" (image, labels) is missing';
  if (!isJsonObject(v.extra)) return '"extra" is missing';
  return undefined;
}

/** Why a parsed state.json cannot be used, or undefined when it can. */
export function stateProblem(v: unknown): string | undefined {
  if (!isJsonObject(v)) return 'not a JSON object';
  if (!['creating', 'ready', 'removing'].includes(v.phase as string)) return '"phase" is missing';
  if (typeof v.status !== 'string') return '"status" is missing';
  if (!isJsonObject(v.extra)) return '"extra" is missing';
  return undefined;
}

export type RecordFile<T> = { ok: T } | { missing: true } | { damaged: string };

export function readRecordFile<T>(path: string, problem: (v: unknown) => string | undefined): RecordFile<T> {
  let value: unknown;
  try {
    value = readJson<unknown>(path);
  } catch (error) {
    if (error instanceof SyntaxError) return { damaged: `invalid JSON (${error.message})` };
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return { damaged: 'a directory, not a file' };
    throw error;
  }
  if (value === undefined) return { missing: true };
  const why = problem(value);
  return why ? { damaged: why } : { ok: value as T };
}

export interface QuarantinedFile {
  /** Where the file was. */
  path: string;
  /** Where it is now (undefined: it was missing). */
  movedTo?: string;
  reason: string;
}

export interface DamagedRecord {
  id: string;
  name: string;
  files: QuarantinedFile[];
}

export interface SalvageInput {
  config: RecordFile<ContainerConfigRecord>;
  state: RecordFile<ContainerStateRecord>;
  /** Whether the runtime still runs it (conmon alive). */
  running: boolean;
}

/**
 * Quarantines the damaged file(s) of container `id` and writes a record with
 * status "damaged" in their place. Call with the container's record lock held.
 */
export function salvageRecord(root: StateRoot, id: string, input: SalvageInput): DamagedRecord {
  const dir = root.container(id);
  const files: QuarantinedFile[] = [];
  const set = (file: string, f: RecordFile<unknown>) => {
    const path = join(dir, file);
    if ('damaged' in f) files.push({ path, movedTo: quarantine(root.path, path), reason: f.damaged });
    else if ('missing' in f) files.push({ path, reason: 'missing' });
  };
  set('config.json', input.config);
  set('state.json', input.state);
  const oldState = 'ok' in input.state ? input.state.ok : undefined;
  const config = 'ok' in input.config ? input.config.ok : rebuildConfig(root, id, oldState && identityIn(oldState));
  const reason = `record damaged: ${files.map((f) => `${f.path} ${f.reason === 'missing' ? 'is missing' : `(${f.reason}) was moved to ${f.movedTo}`}`).join('; ')}`;
  const state: ContainerStateRecord = {
    ...(oldState ?? { ...initialState(), extra: {} }),
    phase: 'ready', owner: undefined, status: 'damaged', running: input.running, paused: false, restarting: false,
    ...(input.running ? {} : { pid: 0 }),
    error: reason,
  };
  state.extra = { ...state.extra, identity: identityOf(config) };
  writeJsonAtomic(join(dir, 'state.json'), state);
  if (!('ok' in input.config)) writeJsonAtomic(join(dir, 'config.json'), config);
  return { id, name: config.name, files };
}

/** A config.json made of what survives: labels from the identity copy (minus those `up` trusts), the name from the name index. */
function rebuildConfig(root: StateRoot, id: string, identity: RecordIdentity | undefined): ContainerConfigRecord {
  const name = listNames(root).find((n) => n.id === id)?.name ?? identity?.name ?? id.slice(0, 12);
  const labels = Object.fromEntries(Object.entries(identity?.labels ?? {}).filter(([k]) => !TRUST_LABELS.includes(k)));
  const spec: ContainerSpec = { name, image: identity?.image ?? '', labels, env: {} };
  return {
    id, name, created: identity?.created ?? new Date(0).toISOString(), spec,
    extra: { imageId: '', imageConfig: {}, hostname: '', path: '', args: [], mounts: [], anonymousVolumes: [], damaged: true },
  };
}
