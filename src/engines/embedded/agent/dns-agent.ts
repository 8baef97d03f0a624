// The DNS agent as the engine needs it: running, and done reading the
// network records before a container that will ask it starts.
// TSCOMPOSE_DNS_UPSTREAMS (`ip[:port]`, comma-separated) replaces the host's
// resolvers as the agent's upstreams when this call starts it (tests point it
// at a responder of their own).
import { AgentGoneError, sendControl } from './control.js';
import { ensureAgent } from './ensure.js';
import { agentPaths } from './paths.js';
import { Coalescer } from '../../../util/coalesce.js';

/** Per state root, the ensureAgent in progress in this process: concurrent callers share it. */
const inFlight = new Map<string, Promise<boolean>>();

export async function ensureDnsAgent(root: string): Promise<void> {
  const { started, mine } = await ensureShared(root);
  // A new agent has read everything at start, but one that a concurrent caller started may have
  // read before this caller's endpoint was written; a running one is told to read again now.
  if (!(started && mine)) await reloadBatched(root);
}

/** `mine`: this caller's ensureAgent, not one a concurrent caller had in progress. */
async function ensureShared(root: string): Promise<{ started: boolean; mine: boolean }> {
  let pending = inFlight.get(root);
  const mine = !pending;
  if (!pending) {
    const upstreams = process.env.TSCOMPOSE_DNS_UPSTREAMS?.split(',').map((u) => u.trim()).filter(Boolean);
    pending = ensureAgent(root, upstreams?.length ? { upstreams } : {}).then((r) => r.started);
    inFlight.set(root, pending);
    void pending.finally(() => { if (inFlight.get(root) === pending) inFlight.delete(root); }).catch(() => undefined);
  }
  return { started: await pending, mine };
}

/** How long one batched `reload` may take: the agent rebuilds once per batch, however many containers are starting. */
const RELOAD_TIMEOUT_MS = 30_000;
const reloads = new Map<string, Coalescer>();

/** Concurrent callers of this process (the containers one `up` starts) share one request per batch. */
function reloadBatched(root: string): Promise<void> {
  let c = reloads.get(root);
  if (!c) {
    c = new Coalescer(() => reloadAgent(root));
    reloads.set(root, c);
  }
  return c.request();
}

/**
 * Tells the agent to read the state root again. When it went away meanwhile (stopped, or found hung and replaced by another
 * command), the agent running now is made sure of and asked again: it may be one that another
 * process started before this caller's records were written.
 */
export async function reloadAgent(root: string): Promise<void> {
  try {
    return await reload(root);
  } catch (error) {
    if (!(error instanceof AgentGoneError)) throw error;
  }
  const { started, mine } = await ensureShared(root);
  if (!(started && mine)) await reload(root);
}

async function reload(root: string): Promise<void> {
  const reply = await sendControl(agentPaths(root).socket, 'reload', RELOAD_TIMEOUT_MS);
  if (!reply.ok) throw new Error(`the tscompose agent could not reload: ${reply.error}`);
}
