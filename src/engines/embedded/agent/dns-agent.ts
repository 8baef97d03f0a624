// The DNS agent as the engine needs it: running, and done reading the
// network records before a container that will ask it starts.
// TSCOMPOSE_DNS_UPSTREAMS (`ip[:port]`, comma-separated) replaces the host's
// resolvers as the agent's upstreams when this call starts it (tests point it
// at a responder of their own).
import { sendControl } from './control.js';
import { ensureAgent } from './ensure.js';
import { agentPaths } from './paths.js';
import { Coalescer } from '../../../util/coalesce.js';

/** Per state root, the ensureAgent in progress in this process: concurrent callers share it. */
const inFlight = new Map<string, Promise<boolean>>();

export async function ensureDnsAgent(root: string): Promise<void> {
  let pending = inFlight.get(root);
  const mine = !pending;
  if (!pending) {
    const upstreams = process.env.TSCOMPOSE_DNS_UPSTREAMS?.split(',').map((u) => u.trim()).filter(Boolean);
    pending = ensureAgent(root, upstreams?.length ? { upstreams } : {}).then((r) => r.started);
    inFlight.set(root, pending);
    void pending.finally(() => { if (inFlight.get(root) === pending) inFlight.delete(root); }).catch(() => undefined);
  }
  const started = await pending;
  // A new agent has read everything at start, but one that a concurrent caller started may have
  // read before this caller's endpoint was written; a running one is told to read again now.
  if (!(started && mine)) await reloadBatched(root);
}

/** How long one batched `reload` may take: the agent rebuilds once per batch, however many containers are starting. */
const RELOAD_TIMEOUT_MS = 30_000;
const reloads = new Map<string, Coalescer>();

/** Concurrent callers of this process (the containers one `up` starts) share one request per batch. */
function reloadBatched(root: string): Promise<void> {
  let c = reloads.get(root);
  if (!c) {
    c = new Coalescer(async () => {
      const reply = await sendControl(agentPaths(root).socket, 'reload', RELOAD_TIMEOUT_MS);
      if (!reply.ok) throw new Error(`the tscompose agent could not reload: ${reply.error}`);
    });
    reloads.set(root, c);
  }
  return c.request();
}
