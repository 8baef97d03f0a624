// Tars arrive plain or compressed; the first bytes say which.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { TscError } from '../../../util/errors.js';

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

export function detectCompression(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.readUInt32LE(0) === 0xfd2fb528 && head.length >= 4) return 'zstd';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'none';
}

export async function fileCompression(file: string): Promise<Compression> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    return bytesRead < 4 ? 'none' : detectCompression(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** The uncompressed bytes of `file` as a stream. */
export async function openDecompressed(file: string): Promise<Readable> {
  return decompress(createReadStream(file), await fileCompression(file), file);
}

/** The uncompressed bytes of a (maybe compressed) tar stream, told apart by its first bytes. */
export async function decompressStream(input: Readable, what: string): Promise<Readable> {
  const head = await peek(input, 8);
  return decompress(input, head.length < 4 ? 'none' : detectCompression(head), what);
}

async function peek(input: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < n && !input.readableEnded && !input.destroyed) {
    const chunk = input.read() as Buffer | null;
    if (chunk) {
      chunks.push(chunk);
      length += chunk.length;
      continue;
    }
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        input.off('readable', done).off('end', done).off('close', done).off('error', fail);
        resolve();
      };
      const fail = (error: Error) => {
        done();
        reject(error);
      };
      input.on('readable', done).on('end', done).on('close', done).on('error', fail);
    });
  }
  const head = Buffer.concat(chunks);
  if (head.length) input.unshift(head);
  return head.subarray(0, n);
}

function decompress(raw: Readable, compression: Compression, file: string): Readable {
  switch (compression) {
    case 'none':
      return raw;
    case 'gzip': {
      // Larger output chunks: fewer writes per unpacked file (the default is 16 KiB).
      // Larger output chunks: fewer writes per unpacked file (the default is 16 KiB).
      const gunzip = createGunzip({ chunkSize: 256 * 1024 });
      raw.on('error', (e) => gunzip.destroy(e));
      return raw.pipe(gunzip);
    }
    case 'zstd': {
      const unzstd = createZstdDecompress();
      raw.on('error', (e) => unzstd.destroy(e));
      return raw.pipe(unzstd);
    }
    default:
      raw.destroy();
      throw new TscError('COMPRESSION_UNSUPPORTED', `${file} is ${compression}-compressed, which is not supported yet: decompress it first (or use gzip)`);
  }
}

/**
 * zstd (OCI `tar+zstd` layers): Node 20's zlib has none, so fzstd, a pure
 * JavaScript decoder (no native build, no binary to download at install).
 */
export function createZstdDecompress(): Transform {
  const out: Transform = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        decoder.push(chunk);
        cb();
      } catch (error) {
        cb(zstdError(error));
      }
    },
    flush(cb) {
      try {
        decoder.push(new Uint8Array(0), true);
        cb();
      } catch (error) {
        cb(zstdError(error));
      }
    },
  });
  const decoder = new Decompress((data) => {
    out.push(Buffer.from(data));
  });
  return out;
}

function zstdError(error: unknown): TscError {
  return new TscError('LAYER_INVALID', `the zstd stream is damaged: ${(error as Error).message}`);
}
