// File events coalesced into batches as Docker Compose's BatchDebounceEvents
// does: paths are collected (each once) until no event came for a quiet
// period, then flushed together. Then each batch is split by the rules it
// matches into per-service work (rules.ts).

/** Docker Compose waits 500 ms; we wait less so that a save shows sooner (bench/watch.sh). */
export const DEFAULT_QUIET_MS = 100;

export interface Batcher {
  add(path: string): void;
  /** Flushes what is pending now (used on close). */
  flush(): void;
  close(): void;
}

export function createBatcher(onBatch: (paths: string[]) => void, quietMs = DEFAULT_QUIET_MS): Batcher {
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return;
    const paths = [...pending];
    pending = new Set();
    onBatch(paths);
  };
  return {
    add(path) {
      pending.add(path);
      if (timer) clearTimeout(timer);
      timer = setTimeout(flush, quietMs);
    },
    flush,
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = new Set();
    },
  };
}
