// Repairs the runtime after a crash or a reboot: runtime containers whose
// conmon is gone and whose process has ended are deleted, their cgroups
// removed and their root filesystems unmounted. One whose process still runs
// is left running (as Podman does: only the OCI runtime is needed to stop it
// later) and reported: its owner decides (containers/lost-monitor.ts).
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../state/process-ref.js';
import { mountsUnder, unmount } from '../snapshots/mount.js';
import { removeCgroups } from './cgroups.js';
import { ContainerRuntime, runtimePaths, TTY_EXEC_PREFIX } from './container-runtime.js';
import { openRuntime, type RuntimeName } from './runc.js';

export interface CleanupReport {
  /** Runtime containers deleted: their conmon was gone and their process had ended (or never started). */
  deleted: string[];
  /** Runtime containers still running (or paused) without their conmon: left as they are. */
  unmonitored: string[];
  unmounted: string[];
  /** What could not be repaired, in words. */
  problems: string[];
}

/**
 * `withLock`: runs its callback under the container's operation lock. A start
 * in another command holds that lock while `runc create` runs and before
 * conmon's record is written: judged without it, that container looks orphaned.
 */
export async function cleanupLeftovers(
  stateRoot: string, runtimeName: RuntimeName = 'runc',
  withLock: (id: string, fn: () => Promise<void>) => Promise<void> = (_id, fn) => fn(),
): Promise<CleanupReport> {
  const report: CleanupReport = { deleted: [], unmonitored: [], unmounted: [], problems: [] };
  const runtime = openRuntime(stateRoot, runtimeName);
  if (!runtime.path || !existsSync(runtime.root)) return report;
  const monitored = (id: string) => {
    const ref = new ContainerRuntime({ stateRoot, id, runtime: runtimeName }).conmonRef();
    return ref !== undefined && isAlive(ref);
  };
  // Every command repairs: ask the runtime (`runc list`, a process) only when
  // one of its containers (a directory under its root) has lost its conmon
  // and its process too (the pid file runc wrote; a recycled pid only delays
  // this: the record's own check, containers/lost-monitor.ts, has its start time).
  const suspects: string[] = [];
  for (const id of readdirSync(runtime.root)) {
    if (monitored(id)) continue;
    if (initAlive(stateRoot, id)) report.unmonitored.push(id);
    else suspects.push(id);
  }
  for (const listed of suspects.length > 0 ? await runtime.list() : []) {
    if (!suspects.includes(listed.id) || monitored(listed.id)) continue;
    await withLock(listed.id, async () => {
      // Judged again under the lock: a start may have finished meanwhile.
      if (monitored(listed.id)) return;
      const rs = await runtime.state(listed.id).catch(() => undefined);
      if (!rs) return; // deleted meanwhile
      if (rs.status === 'running' || rs.status === 'paused') {
        report.unmonitored.push(rs.id);
        return;
      }
      const ctr = new ContainerRuntime({ stateRoot, id: rs.id, runtime: runtimeName });
      try {
        // "created": a start killed between `runc create` and `runc start`; nothing of the user's runs yet.
        if (rs.status !== 'stopped') await runtime.kill(rs.id, 'SIGKILL').catch(() => undefined);
        // No exit file: the exit status went with conmon (the record says so, containers/lost-monitor.ts).
        await runtime.delete(rs.id, { force: true });
        const busy = removeCgroups(ctr.cgroupsPath);
        if (busy.length) report.problems.push(`${rs.id}: cgroups still busy: ${busy.join(', ')}`);
        report.deleted.push(rs.id);
        if (rs.rootfs && rs.rootfs.startsWith(stateRoot)) {
          for (const m of mountsUnder(rs.rootfs)) {
            await unmount(m);
            report.unmounted.push(m);
          }
        }
      } catch (error) {
        report.problems.push(`${rs.id}: ${(error as Error).message}`);
      }
    });
  }
  // Process files of execs interrupted by a crash.
  const containersDir = join(stateRoot, 'runtime', 'containers');
  if (existsSync(containersDir)) {
    for (const id of readdirSync(containersDir)) {
      const dir = join(containersDir, id);
      for (const f of readdirSync(dir)) {
        if (/^exec-\d+-/.test(f) && !isAlive({ pid: Number(f.split('-')[1]) })) rmSync(join(dir, f), { force: true });
        if (f.startsWith(TTY_EXEC_PREFIX) && !ttyExecAlive(join(dir, f))) rmSync(join(dir, f), { recursive: true, force: true });
      }
    }
  }
  return report;
}

function initAlive(stateRoot: string, id: string): boolean {
  try {
    return isAlive({ pid: Number(readFileSync(runtimePaths(stateRoot, id).pidFile, 'utf8').trim()) });
  } catch {
    return false;
  }
}

/** A detached TTY exec's conmon still holds its pty, or is being started (no pid file yet) by another command. */
function ttyExecAlive(dir: string): boolean {
  try {
    if (statSync(dir).mtimeMs > Date.now() - 60_000) return true;
    return isAlive({ pid: Number(readFileSync(join(dir, 'conmon.pid'), 'utf8').trim()) });
  } catch {
    return false;
  }
}
