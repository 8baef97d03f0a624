// The state root: where the embedded engine keeps everything it owns.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { TscError } from '../../../util/errors.js';

export const DEFAULT_STATE_ROOT = '/var/lib/tscompose';

export interface ResolveStateRootOptions {
  /** `--root` from the command line. */
  flag?: string;
  env?: NodeJS.ProcessEnv;
}

/** `--root` › `TSCOMPOSE_ROOT` › `/var/lib/tscompose`, made absolute. */
export function resolveStateRoot(opts: ResolveStateRootOptions = {}): string {
  const chosen = opts.flag || opts.env?.TSCOMPOSE_ROOT || DEFAULT_STATE_ROOT;
  return isAbsolute(chosen) ? resolve(chosen) : resolve(process.cwd(), chosen);
}

/** Directories of the layout and their modes: 0700 where secrets or other users' data may be. */
const LAYOUT = {
  images: 0o700,
  snapshots: 0o700,
  containers: 0o700,
  volumes: 0o701,
  runtime: 0o700,
  locks: 0o700,
  tmp: 0o700,
} as const;

export type StateDir = keyof typeof LAYOUT;

export interface StateRoot {
  readonly path: string;
  readonly images: string;
  readonly snapshots: string;
  readonly containers: string;
  readonly volumes: string;
  readonly runtime: string;
  readonly locks: string;
  readonly tmp: string;
  container(id: string): string;
  volume(name: string): string;
  lockFile(name: string): string;
}

/** Creates the layout when missing (idempotent; existing directories keep their modes) and returns its paths. */
export function openStateRoot(path: string): StateRoot {
  const root = resolve(path);
  try {
    mkdirSync(root, { recursive: true, mode: 0o711 });
    for (const [dir, mode] of Object.entries(LAYOUT)) ensureDir(join(root, dir), mode, root);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') {
      throw new TscError('STATE_ROOT_DENIED', `cannot create the state root ${root} (${e.code}): run as root, or choose another place with --root or TSCOMPOSE_ROOT`);
    }
    throw error;
  }
  return paths(root);
}

function ensureDir(full: string, mode: number, root: string): void {
  try {
    mkdirSync(full, { mode });
    // mkdir's mode is filtered by the umask: set it exactly.
    chmodSync(full, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if (!statSync(full).isDirectory()) {
      throw new TscError('STATE_ROOT_INVALID', `${full} is not a directory: ${root} is damaged or is not a tscompose state root (choose another with --root)`);
    }
  }
}

function paths(root: string): StateRoot {
  const at = (dir: StateDir) => join(root, dir);
  return {
    path: root,
    images: at('images'),
    snapshots: at('snapshots'),
    containers: at('containers'),
    volumes: at('volumes'),
    runtime: at('runtime'),
    locks: at('locks'),
    tmp: at('tmp'),
    container: (id) => join(root, 'containers', id),
    volume: (name) => join(root, 'volumes', name),
    lockFile: (name) => join(root, 'locks', `${name}.lock`),
  };
}
