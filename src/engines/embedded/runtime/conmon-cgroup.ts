// conmon in a cgroup of its own, as Podman's cgroupfs manager puts it in
// `/libpod_parent/conmon`: started from the user's shell, conmon would
// otherwise stay in that shell's cgroups (a login session, a service unit,
// a memory-limited sandbox), and whatever ends them (a logout, `systemctl
// stop`, an OOM kill) would end every container's monitor with them.
// conmon waits on its start pipe until it has been moved, so the process
// that keeps running (its fork) and everything it starts are born there.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONMON_CGROUP, listHierarchies } from './cgroups.js';

export interface CgroupMoveResult {
  /** Directories whose cgroup.procs took the pid. */
  moved: string[];
  /** What could not be done, in words (the pid stays where it was in those hierarchies). */
  problems: string[];
}

/**
 * Moves `pid` into CONMON_CGROUP (beside the containers' `/tscompose/<id>`) in
 * every mounted hierarchy: v1 controllers and name=systemd, or the unified
 * tree. Never throws: conmon waits on its start pipe meanwhile.
 */
export function moveToConmonCgroup(pid: number): CgroupMoveResult {
  const result: CgroupMoveResult = { moved: [], problems: [] };
  let mountPoints: string[];
  try {
    mountPoints = [...new Set(listHierarchies().map((h) => h.mountPoint))];
  } catch (error) {
    result.problems.push(`the cgroup hierarchies could not be listed: ${(error as Error).message}`);
    return result;
  }
  for (const mountPoint of mountPoints) {
    const dir = join(mountPoint, CONMON_CGROUP);
    // Twice: a container removed meanwhile may have removed the empty cgroup just made.
    for (let attempt = 1; ; attempt++) {
      try {
        makeCgroup(mountPoint, CONMON_CGROUP);
        writeFileSync(join(dir, 'cgroup.procs'), String(pid));
        result.moved.push(dir);
        break;
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        if (e.code === 'ESRCH') return result; // the process is gone: nothing to move
        if (e.code === 'ENOENT' && attempt < 2) continue;
        result.problems.push(`${dir}: ${e.message}`);
        break;
      }
    }
  }
  return result;
}

/** mkdir -p of a cgroup path; a new v1 cpuset gets its parent's cpus and mems (it takes no process while empty). */
function makeCgroup(mountPoint: string, cgroupPath: string): void {
  let dir = mountPoint;
  for (const part of cgroupPath.split('/').filter(Boolean)) {
    const parent = dir;
    dir = join(dir, part);
    try {
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      const own = readQuietly(join(dir, file));
      if (own === '') writeFileSync(join(dir, file), readQuietly(join(parent, file)) ?? '');
    }
  }
}

function readQuietly(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The cgroup of `pid` in each hierarchy (keyed `"0"` for the unified one, or by the v1 controller list). */
export function cgroupsOf(pid: number): Map<string, string> {
  return parseProcCgroup(readQuietly(`/proc/${pid}/cgroup`) ?? '');
}

/** /proc/<pid>/cgroup: `hierarchy-id:controllers:path` per line. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (m) out.set(m[2] || m[1]!, m[3]!);
  }
  return out;
}

/** Whether `pid` is in CONMON_CGROUP in every hierarchy it is in. */
export function inConmonCgroup(pid: number): boolean {
  const cgroups = cgroupsOf(pid);
  return cgroups.size > 0 && [...cgroups.values()].every((path) => path === CONMON_CGROUP);
}
