// The DNS agent as the engine needs it: running, and done reading the
// network records before a container that will ask it starts.
// TSCOMPOSE_DNS_UPSTREAMS (`ip[:port]`, comma-separated) replaces the host's
// resolvers as the agent's upstreams when this call starts it (tests point it
// at a responder of their own).
import { sendControl } from '../agent/control.js';
import { ensureAgent } from '../agent/ensure.js';
import { agentPaths } from '../agent/paths.js';

export async function ensureDnsAgent(root: string): Promise<void> {
  const upstreams = process.env.TSCOMPOSE_DNS_UPSTREAMS?.split(',').map((u) => u.trim()).filter(Boolean);
  const { started } = await ensureAgent(root, upstreams?.length ? { upstreams } : {});
  // A new agent has read everything at start; a running one is told to read again now, not on its next change event.
  if (!started) await sendControl(agentPaths(root).socket, 'reload', 5_000);
}
