// Where the agent of a state root keeps its pidfile, socket, lock and log.
import { join } from 'node:path';

export interface AgentPaths {
  dir: string;
  pidFile: string;
  socket: string;
  lock: string;
  log: string;
}

export function agentPaths(root: string): AgentPaths {
  const dir = join(root, 'agent');
  return {
    dir,
    pidFile: join(dir, 'agent.pid'),
    socket: join(dir, 'agent.sock'),
    lock: join(dir, 'agent.lock'),
    log: join(dir, 'agent.log'),
  };
}
