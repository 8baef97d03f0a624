// The state root: where the embedded engine keeps everything it owns.
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { keepReserve } from '../../../util/disk-reserve.js';
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

/**
 * Directories of the layout and their modes: none of them is for other host
 * users. Volumes above all: setuid files and device nodes that containers put
 * there must not be reachable by an unprivileged user of the host.
 */
const ROOT_MODE = 0o700;
const LAYOUT = {
  images: 0o700,
  snapshots: 0o700,
  containers: 0o700,
  volumes: 0o700,
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
    if (mkdirSync(root, { recursive: true, mode: ROOT_MODE }) !== undefined) chmodSync(root, ROOT_MODE);
    else checkOwnDir(root, ROOT_MODE, root);
    for (const [dir, mode] of Object.entries(LAYOUT)) ensureDir(join(root, dir), mode, root);
    keepReserve(root, join(root, 'reserve'));
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
    checkOwnDir(full, mode, root);
  }
}

/**
 * The paths of a state root that exists, without making anything;
 * undefined when it is gone (removed while its containers exited: the exit
 * hook then has nothing to do, and must not make it again).
 */
export function existingStateRoot(path: string): StateRoot | undefined {
  const root = resolve(path);
  try {
    checkOwnDir(join(root, 'containers'), LAYOUT.containers, root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
  return paths(root);
}

/**
 * An existing directory of the state root: ours (owned by this user, a real
 * directory, writable by nobody else) or refused; modes looser than the
 * layout's (a root made by an older version) are tightened.
 */
function checkOwnDir(full: string, mode: number, root: string): void {
  const st = lstatSync(full);
  if (!st.isDirectory()) {
    throw new TscError('STATE_ROOT_INVALID', `${full} is not a directory: ${root} is damaged or is not a tscompose state root (choose another with --root)`);
  }
  const uid = process.getuid?.() ?? st.uid;
  if (st.uid !== uid) {
    throw new TscError('STATE_ROOT_UNSAFE', `${full} belongs to uid ${st.uid}, not to this user (uid ${uid}): another user could change what the engine runs; chown it, or choose another root with --root`);
  }
  if (st.mode & 0o022) {
    throw new TscError('STATE_ROOT_UNSAFE', `${full} is writable by other users (mode ${(st.mode & 0o7777).toString(8)}): anyone could plant files the engine trusts; chmod go-w it after checking its content, or choose another root with --root`);
  }
  if (st.mode & 0o777 & ~mode) chmodSync(full, mode);
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
