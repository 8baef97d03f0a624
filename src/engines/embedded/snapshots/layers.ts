// Unpacked layers, shared by every image that has them:
// `<root>/snapshots/layers/<diff ID hex>/diff` is a directory for overlayfs'
// lowerdir, `layer.json` beside it says what it is. A layer is unpacked into a
// temporary directory and renamed into place, so a killed unpack leaves no half
// layer under a real name (the leftovers are removed by `removeLeftovers`).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../../../util/atomic-file.js';
import { TscError } from '../../../util/errors.js';
import type { Readable } from 'node:stream';
import { decompressStream, openDecompressed } from './decompress.js';
import type { UnpackResult } from './unpack-tar.js';

export interface LayerInfo extends UnpackResult {
  /** Absolute path of the unpacked content (overlayfs lowerdir). */
  dir: string;
}

const TEMP_PREFIX = '.tmp-';
const DELETING_PREFIX = '.del-';

export class LayerStore {
  private readonly inFlight = new Map<string, Promise<LayerInfo>>();

  /** `root` is `<state root>/snapshots/layers`. */
  constructor(readonly root: string) {}

  dir(diffId: string): string {
    return join(this.root, hexOf(diffId), 'diff');
  }

  /** The layer's record when it is unpacked, else undefined. */
  get(diffId: string): LayerInfo | undefined {
    const meta = readJson<UnpackResult>(join(this.root, hexOf(diffId), 'layer.json'));
    return meta && { ...meta, dir: this.dir(diffId) };
  }

  /** Unpacks the layer tar `blobFile` (plain or gzip) unless `expectedDiffId` is already there. */
  ensure(blobFile: string, expectedDiffId?: string): Promise<LayerInfo> {
    if (expectedDiffId) {
      const have = this.get(expectedDiffId);
      if (have) return Promise.resolve(have);
    }
    return this.once(expectedDiffId ?? blobFile, () => this.unpack(() => openDecompressed(blobFile), blobFile, expectedDiffId));
  }

  /**
   * Unpacks a layer while it arrives (a pull unpacks as it downloads). When
   * the layer is there or being unpacked already, `input` is drained unread.
   */
  ensureStream(input: Readable, expectedDiffId: string): Promise<LayerInfo> {
    const have = this.get(expectedDiffId);
    if (have || this.inFlight.has(expectedDiffId)) {
      input.resume();
      return have ? Promise.resolve(have) : this.inFlight.get(expectedDiffId)!;
    }
    return this.once(expectedDiffId, () => this.unpack(() => decompressStream(input, 'a downloaded layer'), 'a downloaded layer', expectedDiffId));
  }

  private once(key: string, run: () => Promise<LayerInfo>): Promise<LayerInfo> {
    let job = this.inFlight.get(key);
    if (!job) {
      job = run().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, job);
    }
    return job;
  }

  /**
   * Takes `dir`, already in the form overlayfs reads (a committed overlay
   * upper directory: 0/0 whiteouts, opaque xattrs), as the layer described by
   * `info`: moved into place, not unpacked again. Its tar is `info`'s blob.
   */
  async adopt(dir: string, info: UnpackResult): Promise<LayerInfo> {
    const have = this.get(info.diffId);
    if (have) return have;
    return this.makeLayer(async (diff) => {
      await rm(diff, { recursive: true });
      await rename(dir, diff);
      await chmod(diff, 0o755);
      return info;
    });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  async remove(diffId: string): Promise<void> {
    const aside = join(this.root, `${DELETING_PREFIX}${hexOf(diffId)}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(join(this.root, hexOf(diffId)), aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await rm(aside, { recursive: true, force: true });
  }

  /** Removes half-made and half-removed layers left by processes that are gone. */
  async removeLeftovers(isAlive: (pid: number) => boolean): Promise<void> {
    for (const name of await readdir(this.root).catch(() => [] as string[])) {
      const pid = Number(/^\.(?:tmp|del)-(\d+)-/.exec(name)?.[1] ?? NaN);
      if (name.startsWith(DELETING_PREFIX) || (name.startsWith(TEMP_PREFIX) && !isAlive(pid))) {
        await rm(join(this.root, name), { recursive: true, force: true });
      }
    }
  }

  private unpack(open: () => Promise<Readable>, blobFile: string, expectedDiffId?: string): Promise<LayerInfo> {
    return this.makeLayer(async (diff) => {
      // tar-stream is loaded only when a layer is unpacked, not by every command that opens the store.
      const { unpackTar } = await import('./unpack-tar.js');
      const result = await unpackTar(await open(), diff);
      if (expectedDiffId && result.diffId !== expectedDiffId) {
        throw new TscError('LAYER_DIGEST_MISMATCH', `layer ${blobFile} has diff ID ${result.diffId}, but the image config says ${expectedDiffId}: the image is damaged; load or pull it again`);
      }
      return result;
    });
  }

  /**
   * Makes a layer in a temporary directory (`fill` puts its content in
   * `diff`, an empty directory, and says what it is), then renames it to its
   * real name; a failure leaves nothing behind.
   */
  private async makeLayer(fill: (diff: string) => Promise<UnpackResult>): Promise<LayerInfo> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const tmp = join(this.root, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
    const diff = join(tmp, 'diff');
    await mkdir(diff, { recursive: true });
    await chmod(diff, 0o755);
    try {
      const result = await fill(diff);
      writeJsonAtomic(join(tmp, 'layer.json'), result);
      try {
        await rename(tmp, join(this.root, hexOf(result.diffId)));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Someone else made the same layer meanwhile: theirs is as good.
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
        await rm(tmp, { recursive: true, force: true });
      }
      return { ...result, dir: this.dir(result.diffId) };
    } catch (error) {
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
  }
}

export function hexOf(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new TscError('DIGEST_INVALID', `invalid digest "${digest}": expected sha256:<64 hex digits>`);
  return m[1]!;
}

