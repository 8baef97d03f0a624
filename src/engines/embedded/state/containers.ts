// Container records under <root>/containers/<id>/: the immutable config.json
// apart from the mutable state.json (as libpod keeps them), written atomically.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerSpec, ContainerState } from '../../../engine/types.js';
import { writeJsonAtomic } from '../../../util/atomic-file.js';
import { TscError } from '../../../util/errors.js';
import { configProblem, identityOf, readRecordFile, stateProblem } from './damaged.js';
import { checkContainerName, generateId, isFullId } from './ids.js';
import { acquireLock } from './lock.js';
import { hasMountsUnder } from './mountinfo.js';
import { claimName, lookupName, releaseName } from './name-index.js';
import { selfRef, type ProcessRef } from './process-ref.js';
import type { StateRoot } from './root.js';
import { compareStrings } from '../../../util/compare.js';

export interface ContainerConfigRecord {
  id: string;
  /** Without Docker's leading '/'. */
  name: string;
  /** ISO 8601. */
  created: string;
  spec: ContainerSpec;
  /** Engine data fixed at create time (image id, resolved process, ...). */
  extra: Record<string, unknown>;
}

/** creating: being made (owner set); ready: usable; removing: being removed (owner set). */
export type RecordPhase = 'creating' | 'ready' | 'removing';

export interface ContainerStateRecord extends ContainerState {
  phase: RecordPhase;
  /** The command making or removing the record; a dead owner means it was killed half-way. */
  owner?: ProcessRef;
  /** Engine data that changes (conmon pid, bundle path, ...). */
  extra: Record<string, unknown>;
}

export interface ContainerRecord {
  dir: string;
  config: ContainerConfigRecord;
  state: ContainerStateRecord;
}

export { NEVER, initialState } from './initial-state.js';
import { initialState } from './initial-state.js';

const CONFIG = 'config.json';
const STATE = 'state.json';

export interface CreateRecordOptions {
  spec: ContainerSpec;
  extra?: Record<string, unknown>;
  /** Initial engine state data. */
  stateExtra?: Record<string, unknown>;
}

/**
 * Writes a new record in phase "creating", owned by this process, and claims
 * its name. The engine calls `commitRecord` once everything else is made; a
 * command killed before that leaves a record that `repairRecords` removes.
 */
export async function createRecord(root: StateRoot, opts: CreateRecordOptions): Promise<ContainerRecord> {
  const id = generateId();
  const name = checkContainerName(opts.spec.name || id.slice(0, 12));
  const config: ContainerConfigRecord = { id, name, created: new Date().toISOString(), spec: { ...opts.spec, name }, extra: opts.extra ?? {} };
  // state.json keeps a copy of who the container is: a damaged config.json is rebuilt from it (damaged.ts).
  const state: ContainerStateRecord = { ...initialState(), owner: selfRef(), extra: { ...opts.stateExtra, identity: identityOf(config) } };
  // Made in tmp/ and renamed into place, so containers/<id> always has both files.
  const staging = join(root.tmp, `container-${id}-${process.pid}`);
  mkdirSync(staging, { mode: 0o700 });
  try {
    writeJsonAtomic(join(staging, STATE), state);
    writeJsonAtomic(join(staging, CONFIG), config);
    renameSync(staging, root.container(id));
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  try {
    claimFreeName(root, name, id);
  } catch (error) {
    rmSync(root.container(id), { recursive: true, force: true });
    throw error;
  }
  making.set(root.container(id), { root, id, atExit: [] });
  removeUnfinishedOnExit();
  return { dir: root.container(id), config, state };
}

/**
 * Records this process is making: if it exits before they are complete (a
 * second Ctrl-C), they go with it, and so does what was made for them
 * (`atExit`: synchronous, run once the record is gone).
 */
const making = new Map<string, { root: StateRoot; id: string; atExit: Array<() => void> }>();
let exitHookInstalled = false;

function removeUnfinishedOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const { root, id, atExit } of [...making.values()]) {
      try {
        removeRecord(root, id);
      } catch {
        // Something is mounted under it: the next command's repair marks it dead for `rm`.
        continue;
      }
      for (const undo of atExit) {
        try {
          undo();
        } catch {
          // Left for `volume prune` and the like: the process is ending.
        }
      }
    }
  });
}

/** `undo` runs if this process exits while the record is still being made (see `making`). */
export function atUnfinishedExit(root: StateRoot, id: string, undo: () => void): void {
  making.get(root.container(id))?.atExit.push(undo);
}

/** Claims `name` for `id`, or throws the conflict with the container that holds it. */
function claimFreeName(root: StateRoot, name: string, id: string): void {
  let holder = claimName(root, name, id);
  if (holder && !existsSync(root.container(holder))) {
    // A claim whose container is gone (records are renamed into place before
    // their name is claimed, so this is damage, not a create in progress).
    releaseName(root, name, holder);
    holder = claimName(root, name, id);
  }
  if (holder && holder !== id) throw nameConflict(name, holder);
}

/**
 * Gives a complete record a new name (the caller holds the container's lock).
 * The new name is claimed first, then config.json says it, then the old name
 * is released: a command killed in between leaves a claim whose container
 * says otherwise, which `repairRecords` releases.
 */
export function renameRecord(root: StateRoot, id: string, newName: string): { from: string; to: string } {
  const to = checkContainerName(newName);
  const record = readRecord(root, id);
  if (!record || record.state.phase === 'creating') throw noSuchContainer(id);
  const from = record.config.name;
  if (from === to) throw new TscError('INVALID_NAME', 'Renaming a container with the same name as its current name');
  claimFreeName(root, to, id);
  try {
    writeJsonAtomic(join(record.dir, CONFIG), { ...record.config, name: to, spec: { ...record.config.spec, name: to } } satisfies ContainerConfigRecord);
  } catch (error) {
    releaseName(root, to, id);
    throw error;
  }
  releaseName(root, from, id);
  return { from, to };
}

export function nameConflict(name: string, holder: string): TscError {
  return new TscError('NAME_CONFLICT', `Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
}

/** Marks a record made by `createRecord` as complete. */
export async function commitRecord(root: StateRoot, id: string): Promise<ContainerStateRecord> {
  const state = await updateState(root, id, (s) => ({ ...s, phase: 'ready', owner: undefined }));
  making.delete(root.container(id));
  return state;
}

/**
 * The record with this full id; undefined when there is none, it is not
 * complete, or it is damaged (the next command's repair quarantines it: damaged.ts).
 */
export function readRecord(root: StateRoot, id: string): ContainerRecord | undefined {
  if (!isFullId(id)) return undefined;
  const dir = root.container(id);
  try {
    const config = readRecordFile<ContainerConfigRecord>(join(dir, CONFIG), (v) => configProblem(v, id));
    const state = readRecordFile<ContainerStateRecord>(join(dir, STATE), stateProblem);
    if (!('ok' in config) || !('ok' in state)) return undefined;
    return { dir, config: config.ok, state: state.ok };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * Read-modify-write of state.json under a per-container lock, so that a
 * command and the agent updating one container at once lose nothing.
 */
export async function updateState(root: StateRoot, id: string, change: (state: ContainerStateRecord) => ContainerStateRecord): Promise<ContainerStateRecord> {
  const lock = await acquireLock(root.lockFile(`container-${id}`), { command: 'update container state' }, { timeoutMs: 30_000, pollMs: 10 });
  try {
    const record = readRecord(root, id);
    if (!record) throw noSuchContainer(id);
    const next = change(record.state);
    writeJsonAtomic(join(record.dir, STATE), next);
    return next;
  } finally {
    await lock.release();
  }
}

export interface ListRecordsOptions {
  /** Also records still being created. */
  includeCreating?: boolean;
}

export function listRecords(root: StateRoot, opts: ListRecordsOptions = {}): ContainerRecord[] {
  const out: ContainerRecord[] = [];
  for (const entry of readdirSync(root.containers)) {
    const record = readRecord(root, entry);
    if (!record) continue;
    if (record.state.phase === 'creating' && !opts.includeCreating) continue;
    out.push(record);
  }
  return out.sort((a, b) => compareStrings(a.config.created, b.config.created));
}

/** Full id, then exact name (with or without '/'), then unique id prefix: Docker's order. */
export function resolveContainerId(root: StateRoot, ref: string): string {
  if (isFullId(ref) && readRecord(root, ref)) return ref;
  const byName = lookupName(root, ref.startsWith('/') ? ref.slice(1) : ref);
  if (byName && readRecord(root, byName)) return byName;
  if (/^[0-9a-f]+$/.test(ref)) {
    const matches = readdirSync(root.containers).filter((e) => isFullId(e) && e.startsWith(ref));
    if (matches.length > 1) throw new TscError('AMBIGUOUS_ID', `multiple IDs found with provided prefix: ${ref}`);
    if (matches.length === 1 && readRecord(root, matches[0]!)) return matches[0]!;
  }
  throw noSuchContainer(ref);
}

export function findRecord(root: StateRoot, ref: string): ContainerRecord | undefined {
  try {
    return readRecord(root, resolveContainerId(root, ref));
  } catch (error) {
    if (error instanceof TscError && error.code === 'NO_SUCH_CONTAINER') return undefined;
    throw error;
  }
}

export function noSuchContainer(ref: string): TscError {
  return new TscError('NO_SUCH_CONTAINER', `No such container: ${ref}`);
}

/** Marks a record "removing" (owned by this process) before the engine tears down what it holds. */
export function beginRemove(root: StateRoot, id: string): Promise<ContainerStateRecord> {
  return updateState(root, id, (s) => ({ ...s, phase: 'removing', status: 'removing', owner: selfRef() }));
}

/** Deletes the record and frees its name; refuses while anything is mounted under its directory. Idempotent. */
export function removeRecord(root: StateRoot, id: string): void {
  const trash = retireRecord(root, id);
  if (trash) rmSync(trash, { recursive: true, force: true });
}

/**
 * removeRecord but the deletion: the record leaves containers/ for a trash
 * directory (its name freed), returned for the caller to delete, off the main
 * thread when it can (a down deletes many; repair sweeps a dead process's
 * trash). `mountinfo`: a read of /proc/self/mountinfo made after the caller's unmounts.
 */
export function retireRecord(root: StateRoot, id: string, mountinfo?: string): string | undefined {
  if (!isFullId(id)) throw noSuchContainer(id);
  if (hasMountsUnder(root.container(id), mountinfo)) {
    // rm -r through a mounted root filesystem or volume would delete its content.
    throw new TscError('CONTAINER_BUSY', `cannot remove container ${id.slice(0, 12)}: something is still mounted under ${root.container(id)}; stop the container first`);
  }
  making.delete(root.container(id));
  const record = readRecord(root, id);
  if (record) releaseName(root, record.config.name, id);
  // Renamed out of containers/ first: a half-deleted directory is never listed.
  const trash = join(root.tmp, `removed-${id}-${process.pid}`);
  try {
    renameSync(root.container(id), trash);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return trash;
}
