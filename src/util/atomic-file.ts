// Records are written whole or not at all: temp file, fsync, rename, fsync dir.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { writeNewFile } from './disk-reserve.js';
import { dirname, basename, join } from 'node:path';

export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  // Removes its temp file when the write fails (ENOSPC); on a full disk, takes a spare of the state root's reserve.
  writeNewFile(tmp, data, mode, true);
  try {
    renameSync(tmp, path);
  } catch (error) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw error;
  }
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** The parsed JSON at `path`, or undefined when there is no such file. */
export function readJson<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}
