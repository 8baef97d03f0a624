// An overlayfs upper directory as an OCI layer tar: 0/0 character devices
// become `.wh.<name>` whiteouts, directories marked trusted.overlay.opaque get
// a `.wh..wh..opq` entry, and modes, owners, mtimes, extended attributes
// (one getfattr call for the whole tree; overlay's own attributes left out)
// and hard links are kept. The reverse of snapshots/unpack-tar.ts.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { execFile } from '../../../util/exec.js';

type HeaderArg = Partial<tar.Header> & { name: string };

export function packUpperDir(upper: string, xattrs: Map<string, Record<string, string>>): tar.Pack {
  const pack = tar.pack();
  addDiff(pack, upper, xattrs).then(() => pack.finalize(), (error: Error) => pack.destroy(error));
  return pack;
}

/** Whether the upper directory holds any change at all. */
export async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir)).length === 0;
}

/**
 * Extended attributes of everything under `dir`, by path relative to it:
 * `getfattr -R -h -d -m - -e hex` (package `attr`), hex values as latin1.
 */
export async function readTreeXattrs(dir: string): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  const { stdout } = await execFile(['getfattr', '-R', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', dir], { okCodes: [0, 1] });
  let current: Record<string, string> | undefined;
  for (const line of stdout.split('\n')) {
    const file = /^# file: (.*)$/.exec(line);
    if (file) {
      const rel = unescapeGetfattr(file[1]!).slice(dir.length).replace(/^\//, '');
      current = {};
      out.set(rel, current);
      continue;
    }
    const attr = /^([^=]+)=0x([0-9a-f]*)$/.exec(line);
    if (attr && current) current[attr[1]!] = Buffer.from(attr[2]!, 'hex').toString('latin1');
  }
  return out;
}

function unescapeGetfattr(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

async function addDiff(pack: tar.Pack, root: string, xattrs: Map<string, Record<string, string>>): Promise<void> {
  const links = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const entryName = rel ? `${rel}/${name}` : name;
      const full = join(root, entryName);
      const st = await lstat(full);
      const attrs = xattrs.get(entryName) ?? {};
      const pax: Record<string, string> = {};
      for (const [k, v] of Object.entries(attrs)) if (!k.startsWith('trusted.overlay.')) pax[`SCHILY.xattr.${k}`] = v;
      const base: HeaderArg = { name: entryName, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime, ...(Object.keys(pax).length ? { pax } : {}) };
      if (st.isCharacterDevice() && st.rdev === 0) {
        const dir = rel ? `${rel}/` : '';
        await add(pack, { name: `${dir}.wh.${name}`, type: 'file', size: 0, mode: 0o644, mtime: st.mtime });
        continue;
      }
      if (st.isDirectory()) {
        await add(pack, { ...base, type: 'directory' });
        if (attrs['trusted.overlay.opaque'] === 'y') await add(pack, { name: `${entryName}/.wh..wh..opq`, type: 'file', size: 0, mode: 0o644, mtime: st.mtime });
        await walk(entryName);
        continue;
      }
      const inode = `${st.dev}:${st.ino}`;
      if (st.nlink > 1 && links.has(inode)) {
        await add(pack, { ...base, type: 'link', linkname: links.get(inode)! });
      } else if (st.isFile()) {
        links.set(inode, entryName);
        await new Promise<void>((resolve, reject) => {
          const sink = pack.entry({ ...base, type: 'file', size: st.size }, (e) => (e ? reject(e) : resolve()));
          pipeline(createReadStream(full), sink).catch(reject);
        });
      } else if (st.isSymbolicLink()) {
        await add(pack, { ...base, type: 'symlink', linkname: await readlink(full) });
      } else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
        links.set(inode, entryName);
        const rdev = BigInt(st.rdev);
        const devmajor = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
        const devminor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
        await add(pack, { ...base, type: st.isFIFO() ? 'fifo' : st.isBlockDevice() ? 'block-device' : 'character-device', devmajor, devminor });
      }
    }
  };
  await walk('');
}

function add(pack: tar.Pack, header: HeaderArg): Promise<void> {
  // An empty file (a whiteout marker) needs its (empty) body given, or the entry never ends.
  const body = header.type === 'file' ? Buffer.alloc(0) : undefined;
  return new Promise((resolve, reject) => (body ? pack.entry(header, body, (e) => (e ? reject(e) : resolve())) : pack.entry(header, (e) => (e ? reject(e) : resolve()))));
}
