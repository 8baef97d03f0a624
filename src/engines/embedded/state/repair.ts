// What a command killed half-way leaves behind, found and put right by the
// next command: half-made records, interrupted removals, temporary files,
// names whose container is gone.
import { existsSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isFullId } from './ids.js';
import { hasMountsUnder } from './mountinfo.js';
import { acquireLock, sweepDeadLocks } from './lock.js';
import { quarantine } from './damaged-file.js';
import { configProblem, identityIn, readRecordFile, salvageRecord, stateProblem, type DamagedRecord, type RecordFile } from './damaged.js';
import { claimName, listNames, lookupName, namesDir, releaseName } from './name-index.js';
import { sweepRemoveMarkers } from './remove-if.js';
import { isAlive } from './process-ref.js';
import { readMadeVolumes } from './made-volumes.js';
import { removeRecord, updateState, type ContainerConfigRecord, type ContainerStateRecord } from './containers.js';
import type { StateRoot } from './root.js';

export interface RepairReport {
  /**
   * Records deleted: their creation was interrupted. The engine frees what else it made for them
   * (snapshot, bundle); `volumes`: the anonymous volumes their create had made, removed first.
   */
  removed: Array<{ id: string; reason: string; volumes?: string[] }>;
  /** Records kept but marked "dead" (removal interrupted, or state lost), so that `rm` can be run again. */
  markedDead: Array<{ id: string; reason: string }>;
  /** Names re-claimed for their container, or freed because their container is gone. */
  namesFixed: string[];
  tempFilesRemoved: number;
  /** Lock files of holders that are gone (and their takeover markers). */
  locksRemoved: number;
  /** Records with a damaged file: quarantined, and kept with status "damaged" (damaged.ts). */
  damaged: DamagedRecord[];
}

export interface RepairOptions {
  /** Unowned leftovers younger than this are left alone: they may be in the making (default 60 s). */
  graceMs?: number;
  /** Runs `fn` holding the container's operation lock (a rename in another command holds it). */
  withContainerLock?: (id: string, fn: () => Promise<void>) => Promise<void>;
  /** Whether the runtime still runs container `id`: a damaged record of it is kept. */
  isRunning?: (id: string) => boolean;
  /** Removes what volumes of `names` a killed create of `id` made (state/made-volumes); returns those removed. */
  removeMadeVolumes?: (id: string, names: string[]) => Promise<string[]>;
}

/** Temporary files of writeFileAtomic (`.<name>.<pid>.<ms>.tmp`) and of our locks/names (`...<pid>.<hex>.tmp`). */
const TEMP = /\.(\d+)\.[0-9a-f]+\.(tmp|release)$|\.stale\.(\d+)\.[0-9a-f]+$/;

export async function repairRecords(root: StateRoot, opts: RepairOptions = {}): Promise<RepairReport> {
  const graceMs = opts.graceMs ?? 60_000;
  const report: RepairReport = { removed: [], markedDead: [], namesFixed: [], tempFilesRemoved: 0, locksRemoved: 0, damaged: [] };
  const old = (path: string) => {
    try {
      return Date.now() - statSync(path).mtimeMs > graceMs;
    } catch {
      return false;
    }
  };

  for (const entry of readdirSync(root.containers)) {
    if (!isFullId(entry)) continue;
    const dir = root.container(entry);
    report.tempFilesRemoved += removeDeadTemps(dir, old);
    const configFile = readRecordFile<ContainerConfigRecord>(join(dir, 'config.json'), (v) => configProblem(v, entry));
    const stateFile = readRecordFile<ContainerStateRecord>(join(dir, 'state.json'), stateProblem);
    if (!('ok' in configFile) || !('ok' in stateFile)) {
      const damaged = await repairDamaged(root, entry, configFile, stateFile, { ...opts, old });
      if (damaged === 'removed') report.removed.push({ id: entry, reason: 'config.json is missing or damaged, and nothing of it runs' });
      if (typeof damaged === 'object') report.damaged.push(damaged);
      continue;
    }
    const config = configFile.ok;
    const state = stateFile.ok;
    if (state.phase === 'creating' && !(state.owner && isAlive(state.owner))) {
      const reason = `creation was interrupted (pid ${state.owner?.pid ?? '?'} is gone)`;
      if (hasMountsUnder(dir)) {
        // Something it made is still mounted: keep it for `rm` to tear down properly.
        await updateState(root, entry, (s) => ({ ...s, phase: 'ready', status: 'dead', owner: undefined, error: reason }));
        report.markedDead.push({ id: entry, reason });
      } else {
        // The volumes before the record that names them: a repair killed in between is done again by the next.
        const volumes = await (opts.removeMadeVolumes?.(entry, readMadeVolumes(dir)) ?? []);
        removeRecord(root, entry);
        report.removed.push({ id: entry, reason, ...(volumes.length ? { volumes } : {}) });
      }
      continue;
    }
    if (state.phase === 'removing' && !(state.owner && isAlive(state.owner))) {
      await updateState(root, entry, (s) => ({ ...s, phase: 'ready', status: 'dead', running: false, owner: undefined, error: 'removal was interrupted' }));
      report.markedDead.push({ id: entry, reason: `removal was interrupted (pid ${state.owner?.pid ?? '?'} is gone)` });
    }
    if (state.phase !== 'creating' && lookupName(root, config.name) === undefined && !claimName(root, config.name, entry)) {
      report.namesFixed.push(config.name);
    }
  }

  const locked = opts.withContainerLock ?? ((_id: string, fn: () => Promise<void>) => fn());
  for (const { name, id } of listNames(root)) {
    if (!existsSync(root.container(id))) {
      releaseName(root, name, id);
      report.namesFixed.push(name);
    } else if (![undefined, name].includes(answersTo(root, id))) {
      // A rename killed half-way: a claim its container does not answer to (state/containers renameRecord).
      await locked(id, async () => {
        const now = answersTo(root, id);
        if (now === undefined || now === name || lookupName(root, name) !== id) return;
        releaseName(root, name, id);
        report.namesFixed.push(name);
      });
    }
  }
  report.tempFilesRemoved += removeDeadTemps(join(root.containers, '.names'), old);
  report.tempFilesRemoved += removeDeadTemps(root.locks, old);
  // Other records written with writeFileAtomic: the image index and tags, network records (networks/records RECORD_KINDS: state/ does not import networks/).
  for (const dir of [root.images, join(root.images, 'tags'), ...['networks', 'endpoints', 'sandboxes', 'joins', 'ports'].map((k) => join(root.path, 'network', k))]) {
    report.tempFilesRemoved += removeDeadTemps(dir, old);
  }
  report.tempFilesRemoved += sweepRemoveMarkers(namesDir(root), (file, id) => lookupName(root, basename(file)) === id).length;
  report.locksRemoved = sweepDeadLocks(root.locks).length;
  report.tempFilesRemoved += removeDeadStaging(root);
  return report;
}

/** The name a container's config says; undefined when it cannot be read. */
function answersTo(root: StateRoot, id: string): string | undefined {
  try {
    const config = readRecordFile<ContainerConfigRecord>(join(root.container(id), 'config.json'), (v) => configProblem(v, id));
    return 'ok' in config ? config.ok.name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A record with a damaged or missing file: quarantined and rebuilt as "damaged"
 * (damaged.ts); removed when nothing of it runs or is mounted and nothing says
 * whose it was (a record of an older version, without the identity copy).
 */
async function repairDamaged(
  root: StateRoot, id: string, config: RecordFile<ContainerConfigRecord>, state: RecordFile<ContainerStateRecord>,
  opts: RepairOptions & { old: (path: string) => boolean },
): Promise<DamagedRecord | 'removed' | undefined> {
  const dir = root.container(id);
  if ('ok' in state && state.ok.owner && isAlive(state.ok.owner) && state.ok.phase !== 'ready') return undefined;
  if ('missing' in config && 'missing' in state && !opts.old(dir)) return undefined;
  const running = opts.isRunning?.(id) ?? false;
  const lock = await acquireLock(root.lockFile(`container-${id}`), { command: 'quarantine a damaged record' }, { timeoutMs: 30_000, pollMs: 10 });
  try {
    const identity = 'ok' in state ? identityIn(state.ok) : undefined;
    if (!('ok' in config) && !identity && !running && !hasMountsUnder(dir)) {
      for (const [file, f] of [['config.json', config], ['state.json', state]] as const) {
        if ('damaged' in f) quarantine(root.path, join(dir, file));
      }
      removeRecord(root, id);
      return 'removed';
    }
    const damaged = salvageRecord(root, id, { config, state, running });
    if (lookupName(root, damaged.name) === undefined) claimName(root, damaged.name, id);
    return damaged;
  } finally {
    await lock.release();
  }
}

function removeDeadTemps(dir: string, old: (path: string) => boolean): number {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of entries) {
    const m = TEMP.exec(name);
    if (!m) continue;
    const pid = Number(m[1] ?? m[3]);
    const path = join(dir, name);
    if (isAlive({ pid }) && !old(path)) continue;
    try {
      unlinkSync(path);
      removed++;
    } catch { /* gone already */ }
  }
  return removed;
}

/** Staging and trash directories of records and volumes in tmp/ whose process is gone. */
function removeDeadStaging(root: StateRoot): number {
  let removed = 0;
  for (const name of readdirSync(root.tmp)) {
    const m = /^(?:container-[0-9a-f]{64}|removed-[0-9a-f]{64}|volume-[\w.-]+|removed-volume-[\w.-]+)-(\d+)$/.exec(name);
    if (!m || isAlive({ pid: Number(m[1]) })) continue;
    const path = join(root.tmp, name);
    // Never delete through a mount (a bind volume's host directory).
    if (hasMountsUnder(path)) continue;
    rmSync(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
