// How to run the agent's entry script (agent/main): the same node as this
// process, on the bundle's entry once built, on the sources through tsx (tests).
import { entryScriptArgs } from '../../../util/package-files.js';

export interface AgentCommand {
  command: string;
  args: string[];
}

export function agentCommand(): AgentCommand {
  return { command: process.execPath, args: entryScriptArgs('engines/embedded/agent/main', "the agent's entry script") };
}
