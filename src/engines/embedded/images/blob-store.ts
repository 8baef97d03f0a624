// Content-addressed blobs: `<root>/images/blobs/sha256/<hex>`. A blob is
// written to a temporary file, its digest checked, fsync'ed and renamed into
// place, so a blob file is always whole and always what its name says.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { createWriteStream, fsyncSync, openSync, closeSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { TscError } from '../../../util/errors.js';
import { hexOf } from '../snapshots/layers.js';
import { fileDigest, sha256Digest } from './digest.js';

/** The blobs added by the operation running (AsyncLocalStorage: concurrent operations keep apart). */
const recorder = new AsyncLocalStorage<Set<string>>();

export interface BlobInfo {
  digest: string;
  size: number;
}

export class BlobStore {
  readonly dir: string;
  /** Temporary files live on the same file system as blobs so that adding one is a rename. */
  readonly tmpDir: string;

  /** `imagesDir` is `<state root>/images`. */
  constructor(imagesDir: string) {
    this.dir = join(imagesDir, 'blobs', 'sha256');
    this.tmpDir = join(imagesDir, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
  }

  path(digest: string): string {
    return join(this.dir, hexOf(digest));
  }

  async has(digest: string): Promise<boolean> {
    return stat(this.path(digest)).then((s) => s.isFile(), () => false);
  }

  async size(digest: string): Promise<number> {
    return (await stat(this.path(digest))).size;
  }

  /** A fresh path for a temporary file; the caller removes it (or adopts it). */
  tempPath(label = 'blob'): string {
    return join(this.tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}-${label}`);
  }

  async writeBytes(data: Buffer, expected?: string): Promise<BlobInfo> {
    const digest = sha256Digest(data);
    checkExpected(digest, expected, 'data');
    if (!(await this.has(digest))) {
      const tmp = this.tempPath();
      try {
        const fh = await open(tmp, 'w', 0o600);
        try {
          await fh.writeFile(data);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await this.moveIn(tmp, digest);
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    }
    return { digest, size: data.length };
  }

  async writeStream(source: Readable, expected?: string): Promise<BlobInfo> {
    const tmp = this.tempPath();
    const hash = createHash('sha256');
    let size = 0;
    source.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(source, createWriteStream(tmp, { mode: 0o600 }));
      const digest = `sha256:${hash.digest('hex')}`;
      checkExpected(digest, expected, 'the download');
      syncFile(tmp);
      await this.moveIn(tmp, digest);
      return { digest, size };
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /** Takes `file` (on the same file system, e.g. from `tempPath`) into the store; it is gone afterwards. */
  async adopt(file: string, expected?: string): Promise<BlobInfo> {
    const info = await fileDigest(file);
    checkExpected(info.digest, expected, file);
    syncFile(file);
    await this.moveIn(file, info.digest);
    return info;
  }

  /**
   * Takes a temporary file whose digest the caller computed from the very
   * bytes it wrote (a download), without reading it again.
   */
  async adoptVerified(file: string, digest: string): Promise<void> {
    syncFile(file);
    await this.moveIn(file, digest);
  }

  async read(digest: string): Promise<Buffer> {
    const data = await readFile(this.path(digest)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw new TscError('BLOB_MISSING', `blob ${digest} is missing from the image store: remove the image and load or pull it again`);
      throw e;
    });
    checkExpected(sha256Digest(data), digest, `blob ${digest}`);
    return data;
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  async remove(digest: string): Promise<void> {
    await unlink(this.path(digest)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  /** Removes temporary files whose writer is gone. */
  async removeLeftovers(isAlive: (pid: number) => boolean): Promise<void> {
    for (const name of await readdir(this.tmpDir).catch(() => [] as string[])) {
      const pid = Number(/^(\d+)-/.exec(name)?.[1] ?? NaN);
      if (!isAlive(pid)) await rm(join(this.tmpDir, name), { recursive: true, force: true });
    }
  }

  /** Runs `fn`, adding to `added` each blob it brings into the store that was not there (for `discardAdded`). */
  recording<T>(added: Set<string>, fn: () => Promise<T>): Promise<T> {
    return recorder.run(added, fn);
  }

  private async moveIn(tmp: string, digest: string): Promise<void> {
    const added = recorder.getStore();
    if (added && !(await this.has(digest))) added.add(digest);
    await rename(tmp, this.path(digest));
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

function checkExpected(actual: string, expected: string | undefined, what: string): void {
  if (expected && actual !== expected) {
    throw new TscError('BLOB_DIGEST_MISMATCH', `${what} has digest ${actual}, expected ${expected}: the content is damaged or was changed`);
  }
}

function syncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
