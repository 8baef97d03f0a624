// What Node's fs cannot do: device nodes, FIFOs and extended attributes.
// They go through mknod(1) and setfattr(1) (Debian package `attr`).
import { execFile, ProcessError } from '../../../util/exec.js';
import { TscError } from '../../../util/errors.js';

export type NodeKind = 'char' | 'block' | 'fifo';

export async function makeNode(path: string, kind: NodeKind, mode: number, major = 0, minor = 0): Promise<void> {
  const type = kind === 'char' ? 'c' : kind === 'block' ? 'b' : 'p';
  const argv = ['mknod', '-m', (mode & 0o7777).toString(8), path, type];
  if (kind !== 'fifo') argv.push(String(major), String(minor));
  await execFile(argv).catch((e: unknown) => {
    if (e instanceof ProcessError && e.exitCode_ === null && /not found/.test(e.message)) {
      throw new TscError('TOOL_MISSING', 'mknod not found in PATH: `apt-get install coreutils`');
    }
    throw e;
  });
}

/** An overlayfs whiteout: a 0/0 character device hides the same name in lower layers. */
export function makeWhiteout(path: string): Promise<void> {
  return makeNode(path, 'char', 0, 0, 0);
}

/** Sets an extended attribute on `path` itself (not a symlink's target). */
export async function setXattr(path: string, name: string, value: Buffer): Promise<void> {
  const argv = ['setfattr', '-h', '-n', name, '-v', `0x${value.toString('hex')}`, '--', path];
  if (value.length === 0) argv.splice(5, 2);
  await execFile(argv).catch((e: unknown) => {
    if (e instanceof ProcessError && e.exitCode_ === null && /not found/.test(e.message)) {
      throw new TscError('TOOL_MISSING', 'setfattr not found in PATH (needed for extended attributes and opaque directories in layers): `apt-get install attr`');
    }
    throw e;
  });
}

export function markOpaque(dir: string): Promise<void> {
  return setXattr(dir, 'trusted.overlay.opaque', Buffer.from('y'));
}
