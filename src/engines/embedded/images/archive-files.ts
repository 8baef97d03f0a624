// The files of an image archive (docker-archive or OCI layout tar), unpacked
// to a temporary directory next to the blobs. Only regular files are written
// (under names checked by entryComponents); symlinks, which older `docker
// save` uses for repeated layers, are remembered and resolved by name, inside
// the archive only.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { TscError } from '../../../util/errors.js';
import { openDecompressed } from '../snapshots/decompress.js';
import { entryComponents } from '../snapshots/safe-path.js';

export interface ArchiveFile {
  path: string;
  digest: string;
  size: number;
}

export class ArchiveFiles {
  private readonly files = new Map<string, ArchiveFile>();
  private readonly links = new Map<string, string>();

  private constructor(readonly source: string, readonly dir: string) {}

  /** Unpacks `archive` (plain or gzip tar) into the empty directory `dir`. */
  static async read(archive: string, dir: string): Promise<ArchiveFiles> {
    const out = new ArchiveFiles(archive, dir);
    const extract = tar.extract();
    const pumping = pipeline(await openDecompressed(archive), extract);
    try {
      for await (const entry of extract) {
        const parts = entryComponents(entry.header.name);
        const name = parts.join('/');
        if (entry.header.type === 'file' && name) {
          const path = join(dir, 'f', ...parts);
          await mkdir(dirname(path), { recursive: true });
          const hash = createHash('sha256');
          const tap = new Transform({ transform: (c: Buffer, _e, done) => done(null, hash.update(c) && c) });
          await pipeline(entry, tap, createWriteStream(path, { mode: 0o600 }));
          out.files.set(name, { path, digest: `sha256:${hash.digest('hex')}`, size: entry.header.size ?? 0 });
        } else {
          if (entry.header.type === 'symlink' && name) out.links.set(name, entry.header.linkname ?? '');
          entry.resume();
        }
      }
    } catch (error) {
      extract.destroy();
      await pumping.catch(() => undefined);
      if (error instanceof TscError) throw error;
      throw new TscError('ARCHIVE_INVALID', `${archive} is not a readable tar archive: ${(error as Error).message}`);
    }
    await pumping;
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** The file named `name` in the archive, following the archive's own symlinks. */
  get(name: string): ArchiveFile | undefined {
    let current = posix.normalize(name).replace(/^(\.\/|\/)+/, '');
    for (let hops = 0; hops < 16; hops++) {
      const file = this.files.get(current);
      if (file) return file;
      const target = this.links.get(current);
      if (target === undefined) return undefined;
      const joined = posix.normalize(posix.join(posix.dirname(current), target));
      if (joined.startsWith('..') || posix.isAbsolute(target)) return undefined;
      current = joined;
    }
    return undefined;
  }

  require(name: string): ArchiveFile {
    const file = this.get(name);
    if (!file) throw new TscError('ARCHIVE_INVALID', `${this.source} has no "${name}", which its manifest names: the archive is incomplete or damaged`);
    return file;
  }

  async readJson<T>(name: string): Promise<T> {
    const file = this.require(name);
    try {
      return JSON.parse(await readFile(file.path, 'utf8')) as T;
    } catch (error) {
      throw new TscError('ARCHIVE_INVALID', `${name} in ${this.source} is not valid JSON: ${(error as Error).message}`);
    }
  }

  async readBytes(name: string): Promise<Buffer> {
    return readFile(this.require(name).path);
  }
}
