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
  const missing = new Set<string>();
  const watcher: FSWatcher = watch([...paths], {
    ignoreInitial: true,
    followSymlinks: false,
    // Editors' save-by-rename stays one change, not a delete then an add.
    atomic: true,
    ...(opts.ignored ? { ignored: opts.ignored } : {}),
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  watcher.on('all', (event, path) => {
    opts.onPath(path);
    if ((event === 'unlinkDir' || event === 'unlink') && paths.has(path)) missing.add(path);
    if ((event === 'addDir' || event === 'add') && missing.delete(path)) watcher.add(path);
  });
  watcher.on('error', (error) => opts.onError(error as Error));

  // A removed watched directory, made again, is not always seen: look for it.
  const timer = setInterval(() => {
    for (const path of missing) {
      if (!existsSync(path)) continue;
      missing.delete(path);
      watcher.unwatch(path);
      watcher.add(path);
      opts.onPath(path);
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
      paths = wanted;
    },
    async close() {
      clearInterval(timer);
      await watcher.close();
    },
  };
}
