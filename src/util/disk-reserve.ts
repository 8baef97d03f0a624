// Space set aside on a state root's filesystem for when it is full. `down -v`
// is how a user frees space, yet it must first take locks and update records,
// and every new file needs a block. A few spare files with their blocks
// already allocated wait in <root>/reserve; a small write that fails with
// ENOSPC takes one (rename: one process gets it), overwrites it in place (no
// new block), truncates it to its content (which frees, never allocates), and
// uses it as its new file. The next command with room makes new spares.
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
import { join, sep } from 'node:path';

const SPARES = 16;
const SPARE_BYTES = 64 * 1024;

/** State root → its reserve directory, for writes under that root. */
const reserves = new Map<string, string>();

/** Makes sure `dir` holds its spares (best effort: a full disk keeps what it has) and uses it for writes under `root`. */
export function keepReserve(root: string, dir: string): void {
  reserves.set(root, dir);
  let have: string[];
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    have = readdirSync(dir).filter((n) => n.startsWith('spare-'));
  } catch {
    return;
  }
  for (let i = have.length; i < SPARES; i++) {
    const tmp = join(dir, `.new-${process.pid}-${i}`);
    try {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, Buffer.alloc(SPARE_BYTES, 0x20));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, join(dir, `spare-${process.pid}-${Date.now()}-${i}`));
    } catch {
      try { unlinkSync(tmp); } catch { /* never made */ }
      return;
    }
  }
}

/**
 * Creates the new file `path` with `data` in it: an ordinary write, or on
 * ENOSPC a spare of the reserve of the state root `path` is under. Throws the
 * ENOSPC when there is no reserve or no spare left (or `data` is too big for one).
 */
export function writeNewFile(path: string, data: string | Buffer, mode = 0o644, sync = false): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    writeWhole(openSync(path, 'w', mode), bytes, sync);
  } catch (error) {
    try { unlinkSync(path); } catch { /* never made */ }
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC' || !useSpare(path, bytes, mode, sync)) throw error;
  }
}

function writeWhole(fd: number, bytes: Buffer, sync: boolean): void {
  try {
    writeSync(fd, bytes);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function useSpare(path: string, bytes: Buffer, mode: number, sync: boolean): boolean {
  if (bytes.length > SPARE_BYTES) return false;
  const dir = [...reserves].find(([root]) => path.startsWith(root + sep))?.[1];
  if (!dir) return false;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith('spare-'));
  } catch {
    return false;
  }
  for (const name of names) {
    try {
      renameSync(join(dir, name), path);
    } catch {
      continue; // taken by another process meanwhile
    }
    try {
      const fd = openSync(path, 'r+');
      try {
        writeSync(fd, bytes, 0, bytes.length, 0);
        ftruncateSync(fd, bytes.length);
        if (sync) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      chmodSync(path, mode);
      return true;
    } catch {
      try { unlinkSync(path); } catch { /* gone */ }
      return false;
    }
  }
  return false;
}
