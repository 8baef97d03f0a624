// How to run the agent's entry script (agent/main): the same node as this
// process, on the bundle's entry once built, on the sources through tsx (tests).
import { entryScriptArgs } from '../../../util/package-files.js';

export interface AgentCommand {
  command: string;
  args: string[];
}

/**
 * V8's young generation capped at 1 MB a half (16 MB by default): the agent's
 * rescans make short-lived garbage every second, and the default let the heap
 * grow to ~50 MB more than it holds at 300 containers with restart policies
 * (95 → 67 MB resident, the same CPU time: bench/scale.sh, the report of issue 10).
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=1'];

export function agentCommand(): AgentCommand {
  return { command: process.execPath, args: [...AGENT_NODE_FLAGS, ...entryScriptArgs('engines/embedded/agent/main', "the agent's entry script")] };
}
