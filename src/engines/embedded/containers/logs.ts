// Reading a container's log (conmon's k8s-file) as LogEntries: tail, since,
// until, and follow, which keeps reading as the file grows (fs.watch, with a
// poll as fallback) until the container stops or the caller aborts. The
// rotated files (ctr.log.N … ctr.log.1, runtime/log-rotate.ts) come first,
// oldest first; a follow that sees a new ctr.log finishes the old one (which
// it holds open) and any newer rotated files before it goes on.
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { LogEntry, LogOptions } from '../../../engine/types.js';
import { K8sLogAssembler, parseK8sLogLine } from '../runtime/k8s-log.js';
import { rotatedLogs } from '../runtime/log-rotate.js';
import { parseLogTime, parseTimestamp } from './log-time.js';

const POLL_MS = 250;

export interface LogSource {
  path: string;
  /** Whether the container may still write (follow ends once this is false and the file is read). */
  isRunning(): Promise<boolean>;
}

export async function* readLogs(source: LogSource, opts: LogOptions = {}): AsyncGenerator<LogEntry> {
  const since = opts.since ? parseLogTime(opts.since) : undefined;
  const until = opts.until ? parseLogTime(opts.until) : undefined;
  const reader = new LogReader(source.path);
  try {
    yield* read(reader, source, opts, since, until);
  } finally {
    await reader.close();
  }
}

async function* read(reader: LogReader, source: LogSource, opts: LogOptions, since: number | undefined, until: number | undefined): AsyncGenerator<LogEntry> {
  const inRange = (e: LogEntry) => since === undefined || parseTimestamp(e.time) >= since;
  const afterUntil = (e: LogEntry) => until !== undefined && parseTimestamp(e.time) > until;

  let first = (await reader.next()).filter(inRange);
  const cut = first.findIndex(afterUntil);
  if (cut >= 0) first = first.slice(0, cut);
  if (opts.tail !== undefined && opts.tail >= 0) first = opts.tail === 0 ? [] : first.slice(-opts.tail);
  yield* first;
  if (cut >= 0 || !opts.follow) {
    if (!opts.follow) yield* reader.flush().filter((e) => inRange(e) && !afterUntil(e));
    return;
  }

  const signal = opts.signal;
  for (;;) {
    if (signal?.aborted) return;
    const running = await source.isRunning();
    const entries = await reader.next();
    for (const e of entries) {
      if (afterUntil(e)) return;
      if (inRange(e)) yield e;
    }
    if (!running) {
      yield* reader.flush().filter(inRange);
      return;
    }
    if (until !== undefined && Date.now() > until) return;
    if (entries.length === 0) await reader.waitForChange(signal);
  }
}

class LogReader {
  private fh: FileHandle | undefined;
  private ino: number | undefined;
  private offset = 0;
  private rest = Buffer.alloc(0);
  private readonly asm = new K8sLogAssembler();
  constructor(private readonly path: string) {}

  /** The whole entries written since the last call. */
  async next(): Promise<LogEntry[]> {
    const chunk = await this.readNew();
    if (!chunk.length) return [];
    // Split on bytes: a chunk may end inside a multi-byte character.
    const buf = Buffer.concat([this.rest, chunk]);
    const end = buf.lastIndexOf(10);
    this.rest = end < 0 ? buf : buf.subarray(end + 1);
    const out: LogEntry[] = [];
    for (const line of end < 0 ? [] : buf.subarray(0, end).toString('utf8').split('\n')) {
      const rec = line ? parseK8sLogLine(line) : undefined;
      const entry = rec && this.asm.push(rec);
      if (entry) out.push(entry);
    }
    return out;
  }

  flush(): LogEntry[] {
    const rec = this.rest.length ? parseK8sLogLine(this.rest.toString('utf8')) : undefined;
    this.rest = Buffer.alloc(0);
    const last = rec ? this.asm.push({ ...rec, partial: false }) : undefined;
    return [...this.asm.flush(), ...(last ? [last] : [])];
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }

  /** What was written since the last call: the rotated files first, then ctr.log, following its rotations. */
  private async readNew(): Promise<Buffer> {
    if (!this.fh) {
      if (!(await this.openCurrent())) return Buffer.alloc(0);
      // First read: the rotated files older than the ctr.log just opened (it may already be one of them).
      const older = await this.readRotatedAfter(undefined, this.ino);
      return Buffer.concat([older, await this.readRest()]);
    }
    const parts = [await this.readRest()];
    const now = await stat(this.path).catch(() => undefined); // none between a rotation's rename and conmon's reopen
    if (now && now.ino !== this.ino) {
      // conmon has reopened: the file we hold is complete; any newer rotated ones, then the new ctr.log.
      const old = this.ino;
      await this.close();
      if (await this.openCurrent()) {
        parts.push(await this.readRotatedAfter(old, this.ino), await this.readRest());
      }
    }
    return Buffer.concat(parts);
  }

  private async openCurrent(): Promise<boolean> {
    try {
      this.fh = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    this.ino = (await this.fh.stat()).ino;
    this.offset = 0;
    return true;
  }

  private async readRest(): Promise<Buffer> {
    const fh = this.fh!;
    const { size } = await fh.stat();
    if (size < this.offset) this.offset = 0; // truncated in place: start over
    if (size === this.offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - this.offset);
    const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
    this.offset += bytesRead;
    return buf.subarray(0, bytesRead);
  }

  /**
   * The whole rotated files newer than the one of inode `after` (all when
   * undefined or gone), oldest first, up to the one of inode `until`.
   */
  private async readRotatedAfter(after: number | undefined, until: number | undefined): Promise<Buffer> {
    const files: Array<{ ino: number; data: Buffer }> = [];
    for (const path of rotatedLogs(this.path)) {
      const data = await readWhole(path);
      if (data) files.push(data);
    }
    const at = files.findIndex((f) => f.ino === after);
    const start = after === undefined ? 0 : at < 0 ? files.length : at + 1; // gone: better a gap than repeats
    const end = files.findIndex((f) => f.ino === until);
    return Buffer.concat(files.slice(start, end < 0 ? undefined : end).map((f) => f.data));
  }
  /** Resolves when the file may have changed: a watch event, the poll interval, or an abort. */
  waitForChange(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let watcher: FSWatcher | undefined;
      const done = () => {
        clearTimeout(timer);
        watcher?.close();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, POLL_MS);
      try {
        watcher = watch(this.path, done);
        watcher.on('error', () => undefined);
      } catch {
        // no file yet, or no inotify: the poll does it
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

async function readWhole(path: string): Promise<{ ino: number; data: Buffer } | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // shifted or dropped meanwhile
    throw error;
  }
  try {
    return { ino: (await fh.stat()).ino, data: await fh.readFile() };
  } finally {
    await fh.close();
  }
}
