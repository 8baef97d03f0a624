// overlayfs mounts of a container's root filesystem, through the `mount`
// binary so a failure is a ProcessError with mount's own words.
import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { execFile, ProcessError } from '../../../util/exec.js';
import { TscError } from '../../../util/errors.js';

export interface OverlayMountOptions {
  /** Topmost layer first, as overlayfs wants them. */
  lowerDirs: string[];
  upperDir: string;
  workDir: string;
  target: string;
}

/** mount(2) takes at most one page of option data. */
const MAX_OPTIONS = 4096 - 1;

/** The longest directory that contains every path. */
export function commonDir(paths: string[]): string {
  let parts = resolve(paths[0]!).split(sep);
  for (const p of paths.slice(1)) {
    const other = resolve(p).split(sep);
    let i = 0;
    while (i < parts.length && i < other.length && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(sep) || sep;
}

/** The option string, and the directory it is relative to when absolute paths would not fit a page. */
export function overlayOptions(opts: OverlayMountOptions): { data: string; cwd?: string } {
  for (const p of [...opts.lowerDirs, opts.upperDir, opts.workDir]) {
    if (/[,:]/.test(p)) throw new TscError('OVERLAY_PATH', `overlay layer path may not contain ',' or ':': ${p}`);
  }
  if (opts.lowerDirs.length === 0) throw new TscError('OVERLAY_PATH', 'overlay mount needs at least one lower directory');
  const build = (f: (p: string) => string) =>
    `lowerdir=${opts.lowerDirs.map(f).join(':')},upperdir=${f(opts.upperDir)},workdir=${f(opts.workDir)}`;
  const absolute = build((p) => resolve(p));
  if (absolute.length <= MAX_OPTIONS) return { data: absolute };
  // As containerd does: mount from the common parent with relative paths.
  const cwd = commonDir([...opts.lowerDirs, opts.upperDir, opts.workDir]);
  const data = build((p) => relative(cwd, resolve(p)) || '.');
  if (data.length > MAX_OPTIONS) {
    throw new TscError('OVERLAY_TOO_MANY_LAYERS', `too many layers for one overlay mount (${opts.lowerDirs.length}; options are ${data.length} bytes, the limit is ${MAX_OPTIONS})`);
  }
  return { data, cwd };
}

export async function mountOverlay(opts: OverlayMountOptions): Promise<void> {
  // overlayfs refuses a directory twice (ELOOP); an image may list one layer
  // twice (two steps with the same diff). The topmost occurrence alone gives
  // the same view: the lower copy's files are all under it again.
  const lowerDirs = opts.lowerDirs.filter((d, i) => opts.lowerDirs.indexOf(d) === i);
  const { data, cwd } = overlayOptions({ ...opts, lowerDirs });
  await execFile(['mount', '-t', 'overlay', 'overlay', '-o', data, resolve(opts.target)], { cwd });
}

/** Unmounts `target`; not mounted is not an error. `lazy` detaches a busy mount. */
export async function unmount(target: string, opts: { lazy?: boolean } = {}): Promise<void> {
  const path = resolve(target);
  if (!isMounted(path)) return;
  try {
    await execFile(['umount', ...(opts.lazy ? ['-l'] : []), path]);
  } catch (error) {
    if (error instanceof ProcessError && !isMounted(path)) return;
    throw error;
  }
}

/** /proc/self/mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export interface MountInfo {
  mountPoint: string;
  fsType: string;
  source: string;
  options: string;
}

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [left, right] = line.split(' - ');
    const fields = left!.split(' ');
    const tail = (right ?? '').split(' ');
    out.push({ mountPoint: unescapeMountPath(fields[4] ?? ''), fsType: tail[0] ?? '', source: unescapeMountPath(tail[1] ?? ''), options: tail[2] ?? '' });
  }
  return out;
}

export function listMounts(): MountInfo[] {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

export function isMounted(path: string): boolean {
  const p = resolve(path);
  return listMounts().some((m) => m.mountPoint === p);
}

/** Mount points at or under `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(dir: string): string[] {
  const base = resolve(dir);
  return listMounts()
    .map((m) => m.mountPoint)
    .filter((p) => p === base || p.startsWith(base + sep))
    .sort((a, b) => b.length - a.length);
}
