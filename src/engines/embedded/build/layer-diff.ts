// An overlayfs upper directory as an OCI layer tar: 0/0 character devices
// become `.wh.<name>` whiteouts, directories marked trusted.overlay.opaque get
// a `.wh..wh..opq` entry, and modes, owners, mtimes, extended attributes
// (one getfattr call for the whole tree; overlay's own attributes left out)
// and hard links are kept. The reverse of snapshots/unpack-tar.ts.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar-stream';
import { execFile } from '../../../util/exec.js';
import { addEntry, addNonDirectory, type HeaderArg } from '../snapshots/pack-dir.js';
import { packWithBinaryXattrs } from '../snapshots/tar-stream-pax.js';

/** `stats.size` adds up the regular files' bytes (a layer's size as Docker counts it). */
export function packUpperDir(upper: string, xattrs: Map<string, Record<string, string>>, stats: { size: number } = { size: 0 }): tar.Pack {
  const pack = packWithBinaryXattrs();
  addDiff(pack, upper, xattrs, stats).then(() => pack.finalize(), (error: Error) => pack.destroy(error));
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

async function addDiff(pack: tar.Pack, root: string, xattrs: Map<string, Record<string, string>>, stats: { size: number }): Promise<void> {
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
        await addEntry(pack, { name: `${dir}.wh.${name}`, type: 'file', size: 0, mode: 0o644, mtime: st.mtime });
        continue;
      }
      if (st.isDirectory()) {
        await addEntry(pack, { ...base, type: 'directory' });
        if (attrs['trusted.overlay.opaque'] === 'y') await addEntry(pack, { name: `${entryName}/.wh..wh..opq`, type: 'file', size: 0, mode: 0o644, mtime: st.mtime });
        await walk(entryName);
        continue;
      }
      if (st.isFile() && !(st.nlink > 1 && links.has(`${st.dev}:${st.ino}`))) stats.size += st.size;
      await addNonDirectory(pack, base, full, st, links);
    }
  };
  await walk('');
}
