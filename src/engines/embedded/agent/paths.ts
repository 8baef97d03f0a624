// Where the agent of a state root keeps its pidfile, socket, lock and log.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TscError } from '../../../util/errors.js';

export interface AgentPaths {
  dir: string;
  pidFile: string;
  socket: string;
  lock: string;
  /** Held by a starting agent while it checks for another and writes its pid: one agent claims the root. */
  claim: string;
  log: string;
}

export function agentPaths(root: string): AgentPaths {
  const dir = join(root, 'agent');
  return {
    dir,
    pidFile: join(dir, 'agent.pid'),
    socket: join(dir, 'agent.sock'),
    lock: join(dir, 'agent.lock'),
    claim: join(dir, 'claim.lock'),
    log: join(dir, 'agent.log'),
  };
}

/**
 * Makes the agent's directory in an existing state root. A root that is gone
 * (removed while containers exited) is not made again: an agent there would
 * serve nothing, and would keep the root from being gone.
 */
export function makeAgentDir(paths: AgentPaths): void {
  try {
    mkdirSync(paths.dir, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code === 'ENOENT') throw new TscError('STATE_ROOT_GONE', `the state root ${join(paths.dir, '..')} is gone: no agent is started for it`);
    throw error;
  }
}
