// The watch loop: file events → batches → per service: rebuild, sync into
// its containers, restart, exec hooks (Docker Compose's handleWatchBatch
// order). One batch runs at a time; a failure is reported and watching goes
// on. Changes to the Compose files go to `reconcile` instead.
import { lstatSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { WatchExec } from '../../compose/develop.js';
import type { Engine, FileSync } from '../../engine/types.js';
import { compareStrings } from '../../util/compare.js';
import { LABEL } from '../labels.js';
import { createBatcher, DEFAULT_QUIET_MS } from './batch.js';
import { watchFiles, type FileWatcher } from './file-watcher.js';
import { matchRule, planBatch, type CompiledRule } from './rules.js';

export interface WatchSessionOptions {
  engine: Engine;
  project: string;
  rules: CompiledRule[];
  /** Files whose change re-plans the stack (Compose files, .env, env_files). */
  configFiles: string[];
  /** A `⦿ ` line for the user (stdout). */
  log: (message: string) => void;
  /** A problem that does not stop watching (stderr). */
  warn: (message: string) => void;
  /** Output of exec hooks. */
  out: NodeJS.WritableStream;
  restart: (services: string[]) => Promise<void>;
  /** Builds and recreates `services`; resolves with those whose containers were made anew (their initial_sync runs again). */
  rebuild: (services: string[]) => Promise<string[]>;
  /**
   * The Compose files changed; resolves with the new rules and files and the
   * services whose containers were made anew (their initial_sync runs again), or undefined to keep the old.
   */
  reconcile: () => Promise<{ rules: CompiledRule[]; configFiles: string[]; recreated: string[] } | undefined>;
  quietMs?: number;
}

export interface WatchSession {
  /** Resolves once watching (initial scan done). */
  ready: Promise<void>;
  /** Resolves when the batch in progress (if any) and those queued are done. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function startWatchSession(opts: WatchSessionOptions): WatchSession {
  let rules = opts.rules;
  let configFiles = new Set(opts.configFiles);
  let queue = Promise.resolve();
  let closed = false;

  const handle = async (paths: string[]) => {
    if (closed) return;
    if (paths.some((p) => configFiles.has(p))) {
      const next = await opts.reconcile().catch((error: unknown) => {
        opts.warn(`Error applying the Compose file change: ${messageOf(error)}`);
        return undefined;
      });
      if (next) {
        rules = next.rules;
        configFiles = new Set(next.configFiles);
        watcher.setPaths(watchedPaths());
        await initialSync(next.recreated).catch((error: unknown) => opts.warn(`Error handling changed files: ${messageOf(error)}`));
      }
    }
    const work = planBatch(paths.filter((p) => !configFiles.has(p)), rules);
    if (work.size > 1000) opts.log('Large batch of file changes detected. If you just switched branches, this is expected.');
    const rebuild = [...work].filter(([, w]) => w.rebuild).map(([s]) => s).sort();
    if (rebuild.length) {
      opts.log(`Rebuilding service(s) ${goList(rebuild)} after changes were detected...`);
      let recreated: string[] = [];
      try {
        recreated = await opts.rebuild(rebuild);
      } catch (error) {
        opts.log(`Build failed. Error: ${messageOf(error)}`);
      }
      await initialSync(recreated).catch((error: unknown) => opts.warn(`Error handling changed files: ${messageOf(error)}`));
    }
    for (const [service, w] of [...work].sort(([a], [b]) => compareStrings(a, b))) {
      if (w.sync.length === 0) continue;
      await syncService(service, w.sync).catch((error: unknown) => opts.warn(`Error handling changed files: ${messageOf(error)}`));
    }
    const restart = [...work].filter(([, w]) => w.restart).map(([s]) => s).sort();
    if (restart.length) {
      try {
        await opts.restart(restart);
        opts.log(`service(s) ${goList(restart)} restarted`);
      } catch (error) {
        opts.warn(`Error handling changed files: ${messageOf(error)}`);
      }
    }
    for (const [service, w] of work) {
      for (const hook of w.exec) await execHook(service, hook).catch((error: unknown) => opts.warn(`Error handling changed files: ${messageOf(error)}`));
    }
  };

  const running = async (service: string) => (await opts.engine.containers.list({
    labels: { [LABEL.project]: opts.project, [LABEL.service]: service, [LABEL.oneoff]: 'False' },
  })).filter((c) => c.state.running);

  const syncService = async (service: string, files: FileSync[], quiet = false) => {
    const started = process.hrtime.bigint();
    let copied = 0;
    let deleted = 0;
    for (const c of await running(service)) {
      const r = await opts.engine.containers.syncFiles(c.id, files);
      copied += r.copied;
      deleted += r.deleted;
    }
    if (quiet) return;
    const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
    opts.log(`Syncing service "${service}" after ${files.length} changes were detected (${copied} copied, ${deleted} deleted in ${ms}ms)`);
  };

  const execHook = async (service: string, hook: WatchExec) => {
    for (const c of await running(service)) {
      const code = await opts.engine.containers.exec(c.id, {
        cmd: hook.command, user: hook.user, privileged: hook.privileged, workingDir: hook.workingDir, env: hook.env,
      }, { stdout: opts.out, stderr: opts.out });
      if (code !== 0) throw new Error(`exec hook of service "${service}" (${hook.command.join(' ')}) exited with code ${code}`);
    }
  };

  const batcher = createBatcher((paths) => {
    queue = queue.then(() => handle(paths)).catch((error: unknown) => opts.warn(messageOf(error)));
  }, opts.quietMs ?? DEFAULT_QUIET_MS);

  const watchedPaths = () => [...new Set([...rules.map((r) => r.path), ...configFiles])];
  const watcher: FileWatcher = watchFiles({
    paths: watchedPaths(),
    onPath: (p) => batcher.add(p),
    onError: (error) => opts.warn(`Watch error: ${error.message}`),
  });

  /** initial_sync of the rules of `services` (all when undefined): a new container gets what was synced into the old one. */
  const initialSync = async (services?: string[]) => {
    for (const rule of rules.filter((r) => r.initialSync && r.target !== undefined && (!services || services.includes(r.service)))) {
      await syncService(rule.service, initialFiles(rule), true);
    }
  };

  const ready = (async () => {
    await initialSync();
    await watcher.ready;
    opts.log('Watch enabled');
  })();

  return {
    ready,
    idle: () => queue,
    async close() {
      closed = true;
      batcher.close();
      await watcher.close();
      await queue;
    },
  };
}

/** The files under a rule's path that its matchers take, for initial_sync (Compose files and Dockerfiles left out). */
function initialFiles(rule: CompiledRule): FileSync[] {
  const skip = new Set(['Dockerfile', 'compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml',
    'compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yaml', 'docker-compose.override.yml']);
  const out: FileSync[] = [];
  const walk = (path: string) => {
    if (skip.has(basename(path)) && path !== rule.path) return;
    const m = matchRule(rule, path);
    if (!m) return;
    // lstat: a symlink is synced as a link, never walked into.
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (!stat.isDirectory()) {
      if (m.containerPath) out.push({ hostPath: path, containerPath: m.containerPath });
      return;
    }
    for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(rule.path);
  return out;
}

/** Go's `%q` of a []string: `["web" "api"]`. */
function goList(items: string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(' ')}]`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
