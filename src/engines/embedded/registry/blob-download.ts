// One blob from a registry into the blob store: streamed to a temporary file
// while its sha256 is computed, resumed with a Range request when the
// connection drops, and moved into the store only when size and digest match.
// A wrong digest is refused and the temporary file removed: nothing half-written stays.
import { createHash, type Hash } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { TscError } from '../../../util/errors.js';
import type { BlobStore } from '../images/blob-store.js';
import type { Descriptor } from '../images/oci.js';
import { responseError, type ErrorContext } from './errors.js';
import type { RegistrySession } from './session.js';
import { header, networkError } from './transport.js';

/** Where the bytes also go as they arrive (a layer unpacked while it downloads). */
export interface DownloadTee {
  write(chunk: Uint8Array): Promise<void>;
  /** The download starts over: what was passed on is void. */
  restart(): void;
}

const WRITE_BATCH = 1 << 20;

export interface DownloadOptions {
  tee?: DownloadTee;
  onBytes?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Retries after a dropped connection or a 5xx (default 4: 0.2 s, 0.4 s, 0.8 s, 1.6 s apart). */
  retries?: number;
}

export async function downloadBlob(session: RegistrySession, path: string, desc: Descriptor, blobs: BlobStore, scopes: string[], ctx: ErrorContext, opts: DownloadOptions = {}): Promise<void> {
  const tmp = blobs.tempPath('pull');
  const fh = await open(tmp, 'w', 0o600);
  let hash: Hash = createHash('sha256');
  let written = 0;
  const retries = opts.retries ?? 4;
  // Network chunks are small: written (and hashed, and passed on) in batches of about 1 MiB.
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const batch = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    // A failed write (ENOSPC) is no network trouble: it ends the download.
    await fh.write(batch, 0, batch.length, written);
    hash.update(batch);
    written += batch.length;
    opts.onBytes?.(written, desc.size);
    await opts.tee?.write(batch);
  };
  const restart = async () => {
    opts.tee?.restart();
    pending = [];
    pendingBytes = 0;
    written = 0;
    hash = createHash('sha256');
    await fh.truncate(0);
  };
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await session.request(`/v2/${path}/blobs/${desc.digest}`, scopes, {
          headers: written > 0 ? { range: `bytes=${written}-` } : {}, follow: true, bulk: true, signal: opts.signal,
        });
        const resumed = res.statusCode === 206 && rangeStart(header(res, 'content-range')) === written;
        if (res.statusCode === 200 && written > 0) await restart();
        else if (res.statusCode === 206 && !resumed) {
          // Not the range we asked for: start over without one.
          await res.body.dump();
          await restart();
          throw Object.assign(new TscError('REGISTRY_ERROR', `${ctx.what}: the registry answered a range request with the wrong range`), { retryable: true });
        } else if (res.statusCode !== 200 && !resumed) {
          const error = await responseError(res, ctx);
          throw res.statusCode >= 500 ? Object.assign(error, { retryable: true }) : error;
        }
        const chunks = res.body[Symbol.asyncIterator]();
        for (;;) {
          let next: IteratorResult<Uint8Array>;
          try {
            next = await chunks.next();
          } catch (error) {
            // What arrived is good: kept, so that the retry asks only for the rest.
            await flush();
            throw networkError({ registry: session.registry, base: '' }, error as Error);
          }
          if (next.done) break;
          const buf = next.value;
          if (written + pendingBytes + buf.length > desc.size) {
            res.body.destroy();
            throw new TscError('BLOB_DIGEST_MISMATCH', `${ctx.what}: blob ${desc.digest} is larger than the ${desc.size} bytes its manifest says: refused`);
          }
          pending.push(buf);
          pendingBytes += buf.length;
          if (pendingBytes >= WRITE_BATCH) await flush();
        }
        await flush();
        break;
      } catch (error) {
        if (attempt >= retries || !retryable(error)) throw error;
        await sleep(200 * 2 ** attempt, undefined, { signal: opts.signal });
      }
    }
    const digest = `sha256:${hash.digest('hex')}`;
    if (written !== desc.size || digest !== desc.digest) {
      throw new TscError('BLOB_DIGEST_MISMATCH', `${ctx.what}: blob ${desc.digest} arrived with digest ${digest} (${written} bytes, ${desc.size} expected): the registry's copy is damaged or was changed; refused, nothing stored`);
    }
    await fh.sync();
    await fh.close();
    await blobs.adoptVerified(tmp, digest);
  } catch (error) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw diskFull(error, ctx);
  }
}

function rangeStart(contentRange: string | undefined): number | undefined {
  const m = /^bytes (\d+)-/.exec(contentRange ?? '');
  return m ? Number(m[1]) : undefined;
}

function retryable(error: unknown): boolean {
  if ((error as { retryable?: boolean }).retryable) return true;
  return error instanceof TscError && error.code === 'REGISTRY_UNREACHABLE';
}

/** ENOSPC as a message that says what to do and that the store is unharmed. */
export function diskFull(error: unknown, ctx: ErrorContext): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new TscError('DISK_FULL', `${ctx.what}: no space left on the device of the image store: nothing half-written was kept and the store is usable; free some space (\`tscompose image rm\`, \`docker system prune\` elsewhere) and pull again`);
  }
  return error;
}
