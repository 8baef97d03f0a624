// Attached `up`/`run`: follows the output of containers with prefixes until
// they have all exited, one exits (--abort-on-container-exit), or the caller
// aborts (Ctrl-C).
import type { Engine } from '../../engine/types.js';
import { createLogPrefixer } from './log-prefix.js';

export interface AttachedContainer {
  id: string;
  name: string;
  service: string;
  /** ISO time to show output from (when this command started it); new output only when absent. */
  since?: string;
}

export interface AttachOptions {
  project: string;
  containers: AttachedContainer[];
  color: boolean;
  noPrefix?: boolean;
  abortOnExit?: boolean;
  /** Print `web-1 exited with code 0` (up does, run does not). */
  announceExit?: boolean;
  signal?: AbortSignal;
  out?: NodeJS.WritableStream;
  /** Keep following until aborted, even when every container has exited (`up --watch`: containers get recreated). */
  untilAborted?: boolean;
  /** Receives a function that follows one more container (one recreated meanwhile). */
  onAttach?: (add: (c: AttachedContainer) => void) => void;
}

export interface AttachResult {
  reason: 'all-exited' | 'container-exit' | 'interrupted';
  exits: Array<{ name: string; service: string; code: number }>;
}

/** How long output may still arrive after a container has exited. */
const DRAIN_MS = 300;

export async function attachContainers(engine: Engine, opts: AttachOptions): Promise<AttachResult> {
  const out = opts.out ?? process.stdout;
  const prefixer = createLogPrefixer(opts.project, opts.containers.map((c) => c.name), { color: opts.color, noPrefix: opts.noPrefix });
  const stopAll = new AbortController();
  const onAbort = () => stopAll.abort();
  opts.signal?.addEventListener('abort', onAbort);
  const exits: AttachResult['exits'] = [];
  let reason: AttachResult['reason'] = 'all-exited';
  let settle!: () => void;
  const finished = new Promise<void>((resolve) => { settle = resolve; });
  stopAll.signal.addEventListener('abort', () => settle());

  const follow = async (c: AttachedContainer, stop: AbortSignal) => {
    const since = c.since ?? new Date().toISOString();
    try {
      for await (const entry of engine.containers.logs(c.id, { follow: true, since, signal: stop })) {
        out.write(`${prefixer.prefix(c.name)}${entry.line}\n`);
      }
    } catch (error) {
      if (!stop.aborted) out.write(`${prefixer.prefix(c.name)}(logs unavailable: ${error instanceof Error ? error.message : String(error)})\n`);
    }
  };

  const followContainer = async (c: AttachedContainer) => {
    const stopLogs = new AbortController();
    stopAll.signal.addEventListener('abort', () => stopLogs.abort());
    const logs = follow(c, stopLogs.signal);
    let code: number;
    try {
      code = await engine.containers.wait(c.id, { signal: stopAll.signal });
    } catch {
      stopLogs.abort();
      await logs;
      return;
    }
    await Promise.race([logs, new Promise((r) => setTimeout(r, DRAIN_MS))]);
    stopLogs.abort();
    await logs;
    if (stopAll.signal.aborted) return;
    exits.push({ name: c.name, service: c.service, code });
    if (opts.announceExit !== false) out.write(`${prefixer.exited(c.name, code)}\n`);
    if (opts.abortOnExit) {
      reason = 'container-exit';
      stopAll.abort();
    }
  };
  const watchers = opts.containers.map(followContainer);
  opts.onAttach?.((c) => { if (!stopAll.signal.aborted) watchers.push(followContainer(c)); });
  if (!opts.untilAborted) void Promise.all(watchers).then(() => settle());
  await finished;
  if (opts.signal?.aborted && reason === 'all-exited') reason = 'interrupted';
  stopAll.abort();
  await Promise.all(watchers);
  opts.signal?.removeEventListener('abort', onAbort);
  return { reason, exits };
}
