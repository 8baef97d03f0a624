// Several containers' logs as one stream in time order. Each source is already
// in time order; an entry is let out once every open source has one waiting
// (so the backlog comes out merged), or once a source has said nothing for
// `idleMs` (so following does not wait on a quiet container).
import { formatLogTime } from './log-printer.js';

export interface TimedEntry {
  time: string;
}

export interface MergeOptions {
  /** How long a silent source may hold the others back. */
  idleMs?: number;
  signal?: AbortSignal;
}

interface Source<T> {
  iterator: AsyncIterator<T>;
  head?: T;
  key?: string;
  pending?: Promise<void>;
  error?: unknown;
  done: boolean;
}

export async function* mergeByTime<T extends TimedEntry>(sources: AsyncIterable<T>[], opts: MergeOptions = {}): AsyncGenerator<{ index: number; entry: T }> {
  const idleMs = opts.idleMs ?? 100;
  const state: Source<T>[] = sources.map((s) => ({ iterator: s[Symbol.asyncIterator](), done: false }));
  let wake: (() => void) | undefined;
  const pull = (s: Source<T>) => {
    s.pending ??= s.iterator.next().then((r) => {
      s.pending = undefined;
      if (r.done) s.done = true;
      else {
        s.head = r.value;
        s.key = formatLogTime(r.value.time);
      }
      wake?.();
    }, (error: unknown) => {
      s.pending = undefined;
      s.done = true;
      s.error = error;
      wake?.();
    });
  };
  const onAbort = () => wake?.();
  opts.signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      if (opts.signal?.aborted) return;
      const failed = state.find((s) => s.error !== undefined);
      if (failed) throw failed.error;
      for (const s of state) if (!s.done && s.head === undefined) pull(s);
      const open = state.filter((s) => !s.done);
      if (open.length === 0) return;
      const waiting = open.filter((s) => s.head === undefined);
      if (waiting.length > 0) {
        const timedOut = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), idleMs);
          wake = () => { clearTimeout(timer); resolve(false); };
        });
        wake = undefined;
        if (!timedOut) continue;
        if (!open.some((s) => s.head !== undefined)) continue;
      }
      let best: Source<T> | undefined;
      for (const s of open) if (s.head !== undefined && (!best || s.key! < best.key!)) best = s;
      if (!best) continue;
      const entry = best.head!;
      best.head = undefined;
      yield { index: state.indexOf(best), entry };
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    // Not awaited: a source blocked following a quiet container ends with the caller's abort signal.
    for (const s of state) s.iterator.return?.()?.catch(() => undefined);
  }
}
