// Every file the loader reads (Compose files, `.env`, `--env-file`,
// `env_file:`, `extends.file`, `include`): a regular file of bounded size,
// read without blocking. `/dev/zero`, a FIFO or a 50 MB file is refused at
// once with a clear error instead of filling memory or hanging the command.
// TSCOMPOSE_MAX_FILE_SIZE (bytes, or with a k/m/g suffix) raises the 16 MiB limit.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { TscError } from '../util/errors.js';

export const DEFAULT_MAX_FILE_SIZE = 16 * 1024 * 1024;

export function maxFileSize(env: Record<string, string | undefined> = process.env): number {
  const raw = env.TSCOMPOSE_MAX_FILE_SIZE?.trim();
  if (!raw) return DEFAULT_MAX_FILE_SIZE;
  const m = /^(\d+)\s*([kmg]i?b?)?$/i.exec(raw);
  if (!m) throw new TscError('INVALID_ENV', `TSCOMPOSE_MAX_FILE_SIZE="${raw}" is not a size: use bytes, or a number with k, m or g (16m)`);
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2]?.[0]?.toLowerCase() ?? '') as 'k' | 'm' | 'g'] ?? 1;
  return Number(m[1]) * unit;
}

/** Why the loader cannot read `path` (`code` ENOENT when it does not exist), as an Error with `code`. */
export class LoaderFileError extends TscError {
  constructor(readonly errno: string, message: string) {
    super('COMPOSE_FILE_UNREADABLE', message);
  }
}

export function readLoaderFile(path: string, what = 'file'): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not hang the command (it is refused below).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new LoaderFileError(code, code === 'ENOENT' ? `open ${path}: no such file or directory` : `cannot open ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new LoaderFileError('EISDIR', `${path} is a directory, not a ${what}`);
    if (!st.isFile()) throw new LoaderFileError('EINVAL', `${what} ${path} is not a regular file (it is ${kindOf(st)})`);
    const limit = maxFileSize();
    const tooLarge = () => new LoaderFileError('EFBIG', `${what} ${path} is larger than ${formatSize(limit)}: raise TSCOMPOSE_MAX_FILE_SIZE if it really is that large`);
    if (st.size > limit) throw tooLarge();
    // Read at most limit + 1 bytes: a file that grows while it is read is still bounded.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total) || 1);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > limit) throw tooLarge();
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function kindOf(st: import('node:fs').Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

function formatSize(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
