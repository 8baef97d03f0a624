// Container state as the runtime sees it, folded into the record: a container
// whose process ended (conmon's exit file) becomes `exited` with its code, and
// what its run held (rootfs, volume mounts, network, runtime state) is released. Nobody
// is watching when a container exits on its own, so whoever looks next does this.
import { setTimeout as sleep } from 'node:timers/promises';
import { unmount } from '../snapshots/mount.js';
import { unmountBatched } from '../snapshots/unmount-batch.js';
import { readRecord, updateState, type ContainerRecord } from '../state/containers.js';
import { isAlive } from '../state/process-ref.js';
import { runtimeOf, withContainerLock, type ContainerContext } from './context.js';
import { containerLayout, stateExtra } from './layout.js';
import { resetRuntime } from './runtime-reset.js';
import { StepErrors } from '../networks/steps.js';
import { adoptUnmonitored, lostMonitorEnd, runsUnmonitored, withoutLostMonitor } from './lost-monitor.js';
import { teardownNetwork } from './networking.js';
import { unmountVolumes } from './start-mounts.js';

const ACTIVE = new Set(['running', 'paused', 'restarting']);

export function isActive(record: ContainerRecord): boolean {
  return ACTIVE.has(record.state.status);
}

/** Whether the record says running but the runtime says otherwise (cheap: a file read and a kill(0)). */
export function needsSync(ctx: ContainerContext, record: ContainerRecord): boolean {
  if (record.state.status === 'damaged') return record.state.running && !monitorAlive(ctx, record.config.id);
  // "restarting": the run is finalized and the agent's restart is due (restart/): nothing runs to sync with.
  if (!isActive(record) || record.state.status === 'restarting') return false;
  const ctr = runtimeOf(ctx, record.config.id);
  if (ctr.exitCode()) return true;
  const ref = ctr.conmonRef();
  if (ref && isAlive(ref)) return false;
  return !runsUnmonitored(ctr, record);
}

/** Whether container `id`'s monitor (conmon) is alive; false when its record of it is missing or unreadable. */
export function monitorAlive(ctx: ContainerContext, id: string): boolean {
  try {
    const ref = runtimeOf(ctx, id).conmonRef();
    return !!ref && isAlive(ref);
  } catch {
    return false;
  }
}

/**
 * The record, brought up to date; takes the container's lock only when something changed.
 * Undefined when another command removed the container meanwhile.
 */
export async function syncRecord(ctx: ContainerContext, record: ContainerRecord): Promise<ContainerRecord | undefined> {
  if (!needsSync(ctx, record)) return record;
  return withContainerLock(ctx, record.config.id, 'sync container state', () => syncLocked(ctx, record.config.id));
}

/** As syncRecord, for a caller that holds the container's lock. */
export async function syncLocked(ctx: ContainerContext, id: string): Promise<ContainerRecord | undefined> {
  const record = readRecord(ctx.root, id);
  if (!record || !needsSync(ctx, record)) return record;
  if (record.state.status === 'damaged') {
    // Only its end is noted: what the run held is released by its removal (damaged.ts).
    await updateState(ctx.root, id, (s) => ({ ...s, running: false, pid: 0 }));
    return readRecord(ctx.root, id);
  }
  const ctr = runtimeOf(ctx, id);
  let exit = ctr.exitCode();
  if (!exit) {
    // conmon is gone without writing the exit file: give it a moment (it may be
    // writing it now), then nothing will ever report this run's end.
    await sleep(100);
    exit = ctr.exitCode();
  }
  // Still running without its conmon: left running, and noted (lost-monitor.ts).
  if (!exit && await adoptUnmonitored(ctx, record)) return readRecord(ctx.root, id);
  await finalizeRun(ctx, record, exit ? { code: exit.code, finishedAt: exit.finishedAt } : lostMonitorEnd());
  return readRecord(ctx.root, id);
}

/** Releases what a finished run held and records how it ended. Call with the container's lock held. */
export async function finalizeRun(ctx: ContainerContext, record: ContainerRecord, end: { code: number; finishedAt: string; error?: string }): Promise<void> {
  const id = record.config.id;
  await resetRuntime(runtimeOf(ctx, id));
  await releaseMounts(ctx, record);
  await updateState(ctx.root, id, (s) => ({
    ...s, status: 'exited', running: false, paused: false, restarting: false, pid: 0,
    exitCode: end.code, finishedAt: end.finishedAt, ...(end.error ? { error: end.error } : {}),
    extra: { ...withoutLostMonitor(s.extra), mountedVolumes: [], network: undefined },
  }));
}

/** Unmounts the rootfs and the volumes the run mounted (the upper dir stays), and releases its network; all attempted, the first failure thrown. */
export async function releaseMounts(ctx: ContainerContext, record: ContainerRecord): Promise<void> {
  const rootfs = containerLayout(record.dir).rootfs;
  const steps = new StepErrors();
  // Independent of each other: each waits for its batch (with other containers') at the same time.
  await Promise.all([
    steps.run(() => teardownNetwork(ctx, record)),
    steps.run(() => unmountBatched(rootfs).catch(() => unmount(rootfs, { lazy: true }))),
    steps.run(() => unmountVolumes(ctx, stateExtra(record.state.extra).mountedVolumes ?? [])),
  ]);
  steps.throwFirst();
}

/** Stops the process of a damaged record by runc's own state (its config is lost: SIGTERM unless told); call with the container's lock held. */
export async function stopDamaged(ctx: ContainerContext, record: ContainerRecord, opts: { timeoutSeconds?: number; signal?: string }): Promise<void> {
  await runtimeOf(ctx, record.config.id, record.config.name).stop(opts.timeoutSeconds ?? 10, opts.signal ?? 'SIGTERM');
  await updateState(ctx.root, record.config.id, (s) => ({ ...s, running: false, pid: 0 }));
}
