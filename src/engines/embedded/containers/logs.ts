// Reading a container's log (conmon's k8s-file) as LogEntries: tail, since,
// until, and follow, which keeps reading as the file grows (fs.watch, with a
// poll as fallback) until the container stops or the caller aborts.
import { watch, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import type { LogEntry, LogOptions } from '../../../engine/types.js';
import { K8sLogAssembler, parseK8sLogLine } from '../runtime/k8s-log.js';
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

  private async readNew(): Promise<Buffer> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
      throw error;
    }
    try {
      const { size } = await fh.stat();
      if (size < this.offset) this.offset = 0; // truncated (rotated): start over
      if (size === this.offset) return Buffer.alloc(0);
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
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
