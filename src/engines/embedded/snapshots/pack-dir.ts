// A directory tree as a tar stream (for `image import` of a directory):
// modes, owners, mtimes, symlinks, hardlinks and device nodes. Extended
// attributes are not read (Node has no getxattr).
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';

export type HeaderArg = Partial<tar.Header> & { name: string };

export function packDirectory(dir: string): tar.Pack {
  const pack = tar.pack();
  addTree(pack, dir).then(
    () => pack.finalize(),
    (error: Error) => pack.destroy(error),
  );
  return pack;
}

async function addTree(pack: tar.Pack, root: string): Promise<void> {
  const seen = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const entryName = rel ? `${rel}/${name}` : name;
      const full = join(root, entryName);
      const st = await lstat(full);
      const base: HeaderArg = { name: entryName, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
      if (st.isDirectory()) {
        await addEntry(pack, { ...base, type: 'directory' });
        await walk(entryName);
      } else await addNonDirectory(pack, base, full, st, seen);
    }
  };
  await walk('');
}

/**
 * A file, hard link (to the first name of an inode in `seen`), symlink or
 * device node as a tar entry. Sockets are not archived (as tar does).
 */
export async function addNonDirectory(pack: tar.Pack, base: HeaderArg, full: string, st: Stats, seen: Map<string, string>): Promise<void> {
  const inode = `${st.dev}:${st.ino}`;
  if (st.nlink > 1 && seen.has(inode)) {
    await addEntry(pack, { ...base, type: 'link', linkname: seen.get(inode)! });
  } else if (st.isFile()) {
    seen.set(inode, base.name);
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ ...base, type: 'file', size: st.size }, (e) => (e ? reject(e) : resolve()));
      pipeline(createReadStream(full), sink).catch(reject);
    });
  } else if (st.isSymbolicLink()) {
    await addEntry(pack, { ...base, type: 'symlink', linkname: await readlink(full) });
  } else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
    seen.set(inode, base.name);
    const type = st.isFIFO() ? 'fifo' : st.isBlockDevice() ? 'block-device' : 'character-device';
    // Linux dev_t: major in bits 8-19 and 32-43, minor in bits 0-7 and 20-31.
    const rdev = BigInt(st.rdev);
    const devmajor = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
    const devminor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
    await addEntry(pack, { ...base, type, devmajor, devminor });
  }
}

/** A body-less entry; an empty regular file (a whiteout marker) gets its empty body, or the entry never ends. */
export function addEntry(pack: tar.Pack, header: HeaderArg): Promise<void> {
  const done = (resolve: () => void, reject: (e: Error) => void) => (e?: Error | null) => (e ? reject(e) : resolve());
  return new Promise((resolve, reject) => (header.type === 'file'
    ? pack.entry(header, Buffer.alloc(0), done(resolve, reject))
    : pack.entry(header, done(resolve, reject))));
}
