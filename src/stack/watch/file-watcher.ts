// Host file events from chokidar, as paths: adds, changes, deletes and
// directory removals alike (what to do is decided from the file's state when
// the batch runs). Symlinks are reported, never followed.
//
// chokidar loses a watched path that is removed (it reports nothing under it
// afterwards, and a re-created one is not watched), so each watched path has
// its own chokidar watcher, bound to the path's identity (device, inode, birth
// time). The path's parent directory is watched for its name: on any event,
// and on a slow poll as a fallback, a path whose identity changed is reported
// with every path last seen under it (so that what is gone is deleted), and,
// when it exists again, watched by a new chokidar watcher. Comparing
// identities, not existence, catches a removal and re-creation however close
// together they come.
import { lstatSync, watch as watchDir, type FSWatcher as DirWatcher } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
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

/** Fallback (a parent directory itself removed): the parent's events are what normally tells. The timer also keeps the process alive while watching. */
const POLL_MS = 250;

interface Watched {
  /** undefined: the path does not exist. */
  identity: string | undefined;
  watcher: FSWatcher | undefined;
  /** The paths seen under it (itself included), to report when it is replaced. */
  known: Set<string>;
}

export function watchFiles(opts: FileWatcherOptions): FileWatcher {
  const watched = new Map<string, Watched>();
  const parents = new Map<string, DirWatcher>();
  let closed = false;

  const startWatcher = (path: string, known: Set<string>): { watcher: FSWatcher; ready: Promise<void> } => {
    known.clear();
    known.add(path);
    const watcher = watch(path, {
      // A chokidar watcher whose path vanished while it started watches the parent for its return,
      // even once closed (its add re-opens it): such a leftover must not keep the process alive.
      // The poll timer does, until close.
      persistent: false,
      ignoreInitial: true,
      followSymlinks: false,
      // Editors' save-by-rename stays one change, not a delete then an add.
      atomic: true,
      ...(opts.ignored ? { ignored: opts.ignored } : {}),
    });
    const ready = new Promise<void>((resolve) => watcher.once('ready', () => {
      for (const [dir, names] of Object.entries(watcher.getWatched())) {
        for (const name of names) {
          const p = join(dir, name);
          if (p.startsWith(`${path}${sep}`)) known.add(p);
        }
      }
      resolve();
    }));
    watcher.on('all', (event, p) => {
      if (event === 'unlink' || event === 'unlinkDir') known.delete(p);
      else known.add(p);
      opts.onPath(p);
    });
    watcher.on('error', (error) => opts.onError(error as Error));
    return { watcher, ready };
  };

  /** Compares the path with what is watched; a different one is reported, and watched anew once its scan is done. */
  const check = (path: string) => {
    const w = watched.get(path);
    if (!w || closed) return;
    const identity = identityOf(path);
    if (identity === w.identity) return;
    w.identity = identity;
    void w.watcher?.close();
    w.watcher = undefined;
    for (const p of w.known) opts.onPath(p);
    if (identity === undefined) {
      w.known = new Set([path]);
      return;
    }
    const next = startWatcher(path, w.known);
    w.watcher = next.watcher;
    // What was written before the new watcher was ready is reported with the path itself.
    void next.ready.then(() => {
      if (w.watcher === next.watcher && watched.get(path) === w) opts.onPath(path);
    });
  };

  const watchParent = (path: string) => {
    const parent = dirname(path);
    if (parents.has(parent) || parent === path) return;
    let dw: DirWatcher;
    try {
      dw = watchDir(parent, { persistent: false });
    } catch {
      return; // absent for now: the poll looks again
    }
    parents.set(parent, dw);
    dw.on('change', (_type, name) => {
      for (const p of watched.keys()) if (dirname(p) === parent && (name === null || basename(p) === name.toString())) check(p);
    });
    dw.on('error', () => {
      dw.close();
      if (parents.get(parent) === dw) parents.delete(parent);
    });
  };

  const addPath = (path: string): Promise<void> => {
    // The parent first, then the identity: a change in between is still seen.
    watchParent(path);
    const w: Watched = { identity: identityOf(path), watcher: undefined, known: new Set([path]) };
    watched.set(path, w);
    if (w.identity === undefined) return Promise.resolve(); // its absence is no change to report
    const started = startWatcher(path, w.known);
    w.watcher = started.watcher;
    return started.ready;
  };

  const removePath = (path: string) => {
    const w = watched.get(path);
    watched.delete(path);
    void w?.watcher?.close();
    const parent = dirname(path);
    if (![...watched.keys()].some((p) => dirname(p) === parent)) {
      parents.get(parent)?.close();
      parents.delete(parent);
    }
  };

  const ready = Promise.all([...new Set(opts.paths)].map(addPath)).then(() => undefined);

  const timer = setInterval(() => {
    for (const path of watched.keys()) {
      watchParent(path);
      check(path);
    }
  }, POLL_MS);

  return {
    ready,
    setPaths(next) {
      const wanted = new Set(next);
      for (const p of [...watched.keys()]) if (!wanted.has(p)) removePath(p);
      for (const p of wanted) if (!watched.has(p)) void addPath(p);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      for (const dw of parents.values()) dw.close();
      parents.clear();
      const watchers = [...watched.values()].flatMap((w) => (w.watcher ? [w.watcher] : []));
      watched.clear();
      await Promise.all(watchers.map((w) => w.close()));
    },
  };
}

/** Which file or directory is at `path` (undefined: none): the same name re-created is another one. */
function identityOf(path: string): string | undefined {
  const stat = lstatSync(path, { throwIfNoEntry: false, bigint: true });
  return stat ? `${stat.dev}:${stat.ino}:${stat.birthtimeNs}` : undefined;
}
