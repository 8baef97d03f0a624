// cgroups of our containers: which version the host runs, where a
// container's cgroup directories are, and removing them after runc.
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { listMounts } from '../snapshots/mount.js';

export type CgroupVersion = 1 | 2;

const CGROUP_ROOT = '/sys/fs/cgroup';

/** v2 when /sys/fs/cgroup itself is the unified hierarchy; a v2 tree beside v1 controllers ("hybrid") is v1. */
export function detectCgroupVersion(root = CGROUP_ROOT): CgroupVersion {
  return existsSync(join(root, 'cgroup.controllers')) ? 2 : 1;
}

const PARENT = '/tscompose';

/** The cgroupfs path runc creates for a container (relative to each hierarchy's root). */
export function cgroupsPathFor(id: string): string {
  return `${PARENT}/${id}`;
}

/** Where every conmon lives (runtime/conmon-cgroup.ts), beside the containers. */
export const CONMON_CGROUP = `${PARENT}/conmon`;

interface Hierarchy {
  mountPoint: string;
  version: CgroupVersion;
  controllers: string[];
}

/**
 * Reading mountinfo costs milliseconds on a host with hundreds of mounts, and
 * removing one container's cgroups asks twice: the answer is kept a while
 * (cgroup hierarchies are mounted at boot).
 */
const HIERARCHIES_TTL_MS = 10_000;
let hierarchies: { at: number; list: Hierarchy[] } | undefined;

export function listHierarchies(): Hierarchy[] {
  const now = Date.now();
  if (!hierarchies || now - hierarchies.at > HIERARCHIES_TTL_MS) hierarchies = { at: now, list: readHierarchies() };
  return hierarchies.list;
}

function readHierarchies(): Hierarchy[] {
  return listMounts()
    .filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2')
    .map((m) => ({
      mountPoint: m.mountPoint,
      version: m.fsType === 'cgroup2' ? 2 : 1,
      controllers: m.fsType === 'cgroup2' ? readControllers(m.mountPoint) : m.options.split(',').filter((o) => !['rw', 'ro'].includes(o) && !o.includes('=')),
    }));
}

function readControllers(mountPoint: string): string[] {
  try {
    return readFileSync(join(mountPoint, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** Every existing directory of `cgroupsPath`, one per hierarchy (v1 controllers, the unified tree). */
export function cgroupDirs(cgroupsPath: string): string[] {
  const seen = new Set<string>();
  for (const h of listHierarchies()) {
    const dir = join(h.mountPoint, cgroupsPath);
    if (existsSync(dir)) seen.add(dir);
  }
  return [...seen];
}

/** The directory of `controller` for a cgroup path (v1), or the unified one (v2). */
export function controllerDir(cgroupsPath: string, controller: string): string | undefined {
  const hierarchies = listHierarchies();
  const h = hierarchies.find((x) => x.version === 1 && x.controllers.includes(controller)) ?? hierarchies.find((x) => x.version === 2 && x.controllers.includes(controller));
  return h ? join(h.mountPoint, cgroupsPath) : undefined;
}

export function readCgroupFile(cgroupsPath: string, controller: string, file: string): string | undefined {
  const dir = controllerDir(cgroupsPath, controller);
  if (!dir) return undefined;
  try {
    return readFileSync(join(dir, file), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Whether the cgroup is frozen (paused): v2's cgroup.freeze, v1's freezer.state. */
export function isFrozen(cgroupsPath: string): boolean {
  const v2 = listHierarchies().find((h) => h.version === 2 && h.mountPoint === CGROUP_ROOT);
  if (v2) {
    try {
      return readFileSync(join(v2.mountPoint, cgroupsPath, 'cgroup.freeze'), 'utf8').trim() === '1';
    } catch {
      return false;
    }
  }
  const state = readCgroupFile(cgroupsPath, 'freezer', 'freezer.state');
  return state !== undefined && state !== 'THAWED';
}

/**
 * Removes the container's cgroup directories that runc left (it removes them
 * itself on a clean delete). A cgroup that still has processes stays
 * (EBUSY); returns those.
 */
export function removeCgroups(cgroupsPath: string): string[] {
  const busy: string[] = [];
  for (const dir of cgroupDirs(cgroupsPath)) {
    try {
      rmdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') busy.push(dir);
    }
  }
  // The shared parent (`/tscompose`) and conmon's cgroup go with the last
  // container and its conmon; while in use, rmdir refuses.
  const parent = dirname(cgroupsPath);
  if (parent !== '/' && parent !== '.') {
    for (const h of listHierarchies()) {
      for (const dir of parent === PARENT ? [CONMON_CGROUP, parent] : [parent]) {
        try {
          rmdirSync(join(h.mountPoint, dir));
        } catch {
          // other containers (or conmons) are still there, or it is already gone
        }
      }
    }
  }
  return busy;
}
