// The state a container record starts in; a module of its own so that damaged.ts,
// which rebuilds records, and containers.ts, which reads them through it, need no cycle.
import type { ContainerStateRecord } from './containers.js';

export const NEVER = '0001-01-01T00:00:00Z';

export function initialState(): ContainerStateRecord {
  return { phase: 'creating', status: 'created', running: false, paused: false, restarting: false, pid: 0, exitCode: 0, startedAt: NEVER, finishedAt: NEVER, restartCount: 0, extra: {} };
}
