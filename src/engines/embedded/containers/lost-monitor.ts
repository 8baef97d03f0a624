// A container whose conmon died while its process runs on. As Podman, we do
// not kill it: only the OCI runtime is needed to stop it, which `stop`,
// `down`, `rm` and `restart` do. It is "adopted": its record stays running,
// notes the loss (State.Error, `system doctor`) and the process to watch (pid
// and start time), so the next commands check it with a /proc read instead of
// asking runc. conmon cannot be re-attached to a running container: its logs
// and its exit status are lost (its stdout/stderr pipes were conmon's), and
// nothing runs the exit hook. When the process ends, whoever looks next
// (a command, or the agent's periodic restart scan) finalizes the run with
// LOST_MONITOR_EXIT, so a restart policy still acts on it, later and without
// the real code.
import { existsSync } from 'node:fs';
import { inConmonCgroup } from '../runtime/conmon-cgroup.js';
import { ContainerRuntime } from '../runtime/container-runtime.js';
import { listRecords, updateState, type ContainerRecord } from '../state/containers.js';
import type { StateRoot } from '../state/root.js';
import { isAlive, type ProcessRef } from '../state/process-ref.js';
import { runtimeOf, withContainerLock, type ContainerContext } from './context.js';

/**
 * Exit code of a run whose status went with its conmon: 255, the code Docker
 * shows for an exit status it could not learn (Podman records -1, outside the
 * 0-255 a shell or `docker wait` can show).
 */
export const LOST_MONITOR_EXIT = 255;
export const LOST_MONITOR_RUNNING = 'its monitor (conmon) is gone: logs and the exit status are no longer recorded';
export const LOST_MONITOR_ENDED = 'its monitor (conmon) was gone: the exit status could not be retrieved';

interface LostMonitor {
  /** The conmon that died (its pid as recorded at start): a later run has another. */
  conmonPid: number;
  /** When it was found gone. */
  since: string;
  /** The container's first process. */
  init: ProcessRef;
}

function lostMonitorOf(record: ContainerRecord): LostMonitor | undefined {
  return record.state.extra.lostMonitor as LostMonitor | undefined;
}

/** This run's conmon was found gone (the record was adopted). */
export function monitorLost(ctr: ContainerRuntime, record: ContainerRecord): boolean {
  const lost = lostMonitorOf(record);
  return lost !== undefined && lost.conmonPid === (ctr.conmonRef()?.pid ?? 0);
}

/** Cheap (a /proc read): adopted for this run's conmon, and its process still runs. */
export function runsUnmonitored(ctr: ContainerRuntime, record: ContainerRecord): boolean {
  return monitorLost(ctr, record) && isAlive(lostMonitorOf(record)!.init);
}

/**
 * Called with the container's lock held, conmon gone and no exit file: when the
 * runtime says the process still runs (or is paused), marks the record and
 * returns true; false when the run has ended.
 */
export async function adoptUnmonitored(ctx: ContainerContext, record: ContainerRecord): Promise<boolean> {
  const ctr = runtimeOf(ctx, record.config.id);
  const init = await ctr.initRef();
  if (!init) return false;
  const lost: LostMonitor = { conmonPid: ctr.conmonRef()?.pid ?? 0, since: new Date().toISOString(), init };
  await updateState(ctx.root, record.config.id, (s) => ({ ...s, pid: init.pid, error: LOST_MONITOR_RUNNING, extra: { ...s.extra, lostMonitor: lost } }));
  return true;
}

/** How a run ends whose conmon is gone: the code, and the error that explains it. */
export function lostMonitorEnd(): { code: number; finishedAt: string; error: string } {
  return { code: LOST_MONITOR_EXIT, finishedAt: new Date().toISOString(), error: LOST_MONITOR_ENDED };
}

/** Unset once the run is over. */
export function withoutLostMonitor(extra: Record<string, unknown>): Record<string, unknown> {
  const { lostMonitor: _lost, ...rest } = extra;
  return rest;
}

/** For `system doctor`: running containers whose conmon is gone, and live conmons outside their cgroup (no lock taken, nothing changed). */
export function inspectMonitors(root: StateRoot): { unmonitored: MonitorInfo[]; misplaced: MonitorInfo[] } {
  const unmonitored: MonitorInfo[] = [];
  const misplaced: MonitorInfo[] = [];
  for (const record of listRecords(root)) {
    if (record.state.status !== 'running' && record.state.status !== 'paused') continue;
    const ctr = new ContainerRuntime({ stateRoot: root.path, id: record.config.id });
    const conmon = ctr.conmonRef();
    const info = { name: record.config.name, id: record.config.id, pid: record.state.pid };
    if (ctr.exitCode()) continue;
    if (conmon && isAlive(conmon)) {
      if (!inConmonCgroup(conmon.pid)) misplaced.push({ ...info, pid: conmon.pid });
      continue;
    }
    const init = monitorLost(ctr, record) ? lostMonitorOf(record)!.init : { pid: record.state.pid };
    if (isAlive(init)) unmonitored.push({ ...info, pid: init.pid });
  }
  return { unmonitored, misplaced };
}

export interface MonitorInfo {
  name: string;
  id: string;
  pid: number;
}

/**
 * Runtime containers left running without conmon that no record owns (not
 * made by a build either, which removes its own): no command can reach them,
 * so the start-up repair removes them, under the lock, as before.
 */
export async function removeUnowned(ctx: ContainerContext, ids: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const id of ids) {
    if (id.startsWith('build-')) continue; // build/run-step.ts: removed with its build process
    await withContainerLock(ctx, id, 'repair runtime', async () => {
      const ctr = runtimeOf(ctx, id);
      const conmon = ctr.conmonRef();
      if (existsSync(ctx.root.container(id)) || (conmon && isAlive(conmon))) return;
      await ctr.delete({ force: true });
      removed.push(id);
    });
  }
  return removed;
}
