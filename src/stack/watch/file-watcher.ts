// Host file events from chokidar, as paths: adds, changes, deletes and
// directory removals alike (what to do is decided from the file's state when
// the batch runs). Symlinks are reported, never followed. A watched path that
// disappears is looked for again until it comes back, then watched anew.
import { existsSync } from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';

export interface FileWatcherOptions {
  paths: readonly string[];
  onPath: (path: string) => void;
  onError: (error: Error) => void;
  /** Paths (and their children) not to report, e.g. `.git`. */
  ignored?: (path: string) => boolean;
}

export interface FileWatcher {
  /** Resolves once the initial scan is done: later changes are reported. */
  ready: Promise<void>;
  /** Watches exactly these paths from now on. */
  setPaths(paths: readonly string[]): void;
  close(): Promise<void>;
}

const REAPPEAR_MS = 250;

export function watchFiles(opts: FileWatcherOptions): FileWatcher {
  let paths = new Set(opts.paths);
  // Paths absent now: their absence is no change to report.
  const missing = new Set([...paths].filter((p) => !existsSync(p)));
  const watcher: FSWatcher = watch([...paths], {
    ignoreInitial: true,
    followSymlinks: false,
    // Editors' save-by-rename stays one change, not a delete then an add.
    atomic: true,
    ...(opts.ignored ? { ignored: opts.ignored } : {}),
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  watcher.on('all', (_event, path) => opts.onPath(path));
  watcher.on('error', (error) => opts.onError(error as Error));

  // chokidar does not follow a watched path that is removed and made again:
  // look for it, and watch it anew (its content is reported as changed).
  const timer = setInterval(() => {
    for (const path of paths) {
      const exists = existsSync(path);
      if (!exists && !missing.has(path)) {
        missing.add(path);
        opts.onPath(path);
      } else if (exists && missing.delete(path)) {
        watcher.unwatch(path);
        watcher.add(path);
        opts.onPath(path);
      }
    }
  }, REAPPEAR_MS);
  timer.unref();

  return {
    ready,
    setPaths(next) {
      const wanted = new Set(next);
      const gone = [...paths].filter((p) => !wanted.has(p));
      const added = [...wanted].filter((p) => !paths.has(p));
      if (gone.length) watcher.unwatch(gone);
      if (added.length) watcher.add(added);
      for (const p of gone) missing.delete(p);
      for (const p of added) if (!existsSync(p)) missing.add(p);
      paths = wanted;
    },
    async close() {
      clearInterval(timer);
      await watcher.close();
    },
  };
}
