// Safe extraction of one layer tar into a directory, in the form overlayfs
// reads: whiteouts `.wh.<name>` become 0/0 character devices and opaque
// markers `.wh..wh..opq` the xattr trusted.overlay.opaque=y on their directory
// (as containerd's overlay applier does). Nothing is ever written outside the
// target: see safe-path.ts.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, chown, lchown, link, lstat, lutimes, mkdir, open, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { ScopedDirs, UnsafeEntryError, entryComponents } from './safe-path.js';
import { makeNode, makeWhiteout, markOpaque, setXattr } from './special-files.js';
import { keepBinaryPaxValues, paxXattrs } from './tar-stream-pax.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

export interface UnpackResult {
  /** `sha256:` digest of the uncompressed tar: the layer's diff ID. */
  diffId: string;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
  /** Sum of the sizes of regular files, as Docker counts a layer's size. */
  size: number;
}

type Header = Partial<tar.Header> & { name: string; pax?: Record<string, string> | null };
type Body = AsyncIterable<Buffer> & Readable;

/** Unpacks the uncompressed tar stream `input` into `target` (an existing, empty directory). */
export async function unpackTar(input: Readable, target: string): Promise<UnpackResult> {
  await keepBinaryPaxValues();
  const hash = createHash('sha256');
  let tarSize = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      tarSize += chunk.length;
      done(null, chunk);
    },
  });
  const extract = tar.extract();
  const pumping = pipeline(input, tap, extract);
  const unpacker = new Unpacker(target);
  const consuming = (async () => {
    for await (const entry of extract) await unpacker.entry(entry.header as Header, entry as unknown as Body);
  })();
  try {
    // Either may fail first (a truncated tar fails `pumping` while an entry is being written).
    await Promise.all([consuming, pumping]);
  } catch (error) {
    // `pumping` may never settle once tar-stream has failed: end every stream, wait for the writer only.
    for (const stream of [input, tap, extract]) stream.destroy();
    pumping.catch(() => undefined);
    await consuming.catch(() => undefined);
    throw error;
  }
  await unpacker.finish();
  return { diffId: `sha256:${hash.digest('hex')}`, tarSize, size: unpacker.size };
}

class Unpacker {
  size = 0;
  private readonly dirs: ScopedDirs;
  private readonly dirTimes: Array<[string[], Date]> = [];

  constructor(private readonly target: string) {
    this.dirs = new ScopedDirs(target);
  }

  async entry(h: Header, body: Body): Promise<void> {
    const parts = entryComponents(h.name);
    const base = parts[parts.length - 1];
    if (base === undefined) {
      // `./`: the attributes of the layer's root directory.
      if (h.type === 'directory') await this.applyAttrs(this.target, h, []);
      return drain(body);
    }
    if (base.startsWith(WHITEOUT)) {
      await this.whiteout(h.name, parts, base);
      return drain(body);
    }
    const parent = await this.dirs.parentOf(h.name, parts);
    const path = join(parent, base);
    switch (h.type) {
      case 'directory':
        await this.dirs.clear(parts, true);
        await mkdir(path, { mode: 0o755 }).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'EEXIST') throw e;
        });
        this.dirs.markDir(parts);
        await this.applyAttrs(path, h, parts);
        return drain(body);
      case 'file':
      case 'contiguous-file':
      case null:
      case undefined:
        await this.dirs.clear(parts, false);
        await writeFile(path, body, h.mode ?? 0o644);
        this.size += h.size ?? 0;
        return this.applyAttrs(path, h);
      case 'symlink':
        await this.dirs.clear(parts, false);
        await symlink(h.linkname ?? '', path);
        await this.applyAttrs(path, h);
        return drain(body);
      case 'link':
        await this.dirs.clear(parts, false);
        await link(await this.linkTarget(h), path);
        return drain(body);
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        await this.dirs.clear(parts, false);
        const kind = h.type === 'fifo' ? 'fifo' : h.type === 'block-device' ? 'block' : 'char';
        await makeNode(path, kind, h.mode ?? 0o600, h.devmajor ?? 0, h.devminor ?? 0);
        await this.applyAttrs(path, h);
        return drain(body);
      }
      default:
        return drain(body);
    }
  }

  async finish(): Promise<void> {
    // Children change their directory's mtime: set directories' times last, deepest first.
    // A later entry may have replaced a directory (or one of its parents) with a symlink:
    // such a path is skipped, and lutimes never follows the last component either.
    for (const [parts, mtime] of this.dirTimes.reverse()) {
      if (await this.dirs.isDirInside(parts)) await lutimes(join(this.target, ...parts), mtime, mtime);
    }
  }

  private async whiteout(entry: string, parts: string[], base: string): Promise<void> {
    const parent = await this.dirs.parentOf(entry, parts);
    if (base === OPAQUE) return markOpaque(parent);
    if (base.startsWith(`${WHITEOUT}${WHITEOUT}`)) return; // other aufs metadata (.wh..wh.plnk, ...)
    const name = base.slice(WHITEOUT.length);
    if (name === '' || name === '.' || name === '..') throw new UnsafeEntryError(entry, 'the whiteout names no file in its directory');
    const hidden = [...parts.slice(0, -1), name];
    await this.dirs.clear(hidden, false);
    await makeWhiteout(join(parent, name));
  }

  /** A hardlink's target: an existing non-directory of this layer, reached without symlinks. */
  private async linkTarget(h: Header): Promise<string> {
    const parts = entryComponents(h.linkname ?? '');
    if (parts.length === 0) throw new UnsafeEntryError(h.name, 'the hardlink has no target');
    const parent = await this.dirs.parentOf(h.name, parts, false);
    const path = join(parent, parts[parts.length - 1]!);
    const st = await lstat(path).catch(() => undefined);
    if (!st) throw new UnsafeEntryError(h.name, `the hardlink target "${h.linkname}" is not in the layer`);
    if (st.isDirectory()) throw new UnsafeEntryError(h.name, `the hardlink target "${h.linkname}" is a directory`);
    return path;
  }

  /** `dirParts`: the components of a directory entry, whose times are set at the end. */
  private async applyAttrs(path: string, h: Header, dirParts?: string[]): Promise<void> {
    const isDir = dirParts !== undefined;
    const uid = h.uid ?? 0;
    const gid = h.gid ?? 0;
    const mtime = h.mtime ?? new Date(0);
    if (h.type === 'symlink') {
      await lchown(path, uid, gid);
      await lutimes(path, mtime, mtime);
      return;
    }
    await chown(path, uid, gid);
    // chown clears set-uid/set-gid bits: the mode goes after it.
    await chmod(path, (h.mode ?? (isDir ? 0o755 : 0o644)) & 0o7777);
    for (const [name, value] of paxXattrs(h.pax)) {
      // Overlay's own attributes come from whiteouts only, never from a tar.
      if (name.startsWith('trusted.overlay.')) continue;
      await setXattr(path, name, value).catch((e: Error) => {
        if (!/Operation not supported|not permitted/.test(e.message)) throw e;
      });
    }
    if (isDir) this.dirTimes.push([dirParts, mtime]);
    else await utimes(path, mtime, mtime);
  }
}

async function writeFile(path: string, body: Body, mode: number): Promise<void> {
  // O_EXCL with O_CREAT never follows a symlink at the last component.
  const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode & 0o777);
  try {
    // Iterated, not piped: stream.pipeline never settles when a tar-stream entry fails (a truncated tar).
    for await (const chunk of body) await fh.write(chunk);
  } finally {
    await fh.close();
  }
}

async function drain(body: Body): Promise<void> {
  for await (const _ of body) { /* skip */ }
}
