// What the restart logic keeps in a container's state.extra: the delay of the
// last restart (the backoff) and the exit it has already decided on.
import type { ContainerStateRecord } from '../state/containers.js';

export interface RestartExtra {
  /** Delay before the last restart, ms (0: none since the user started it). */
  delayMs: number;
  /** `finishedAt` of the last exit decided on: a later scan leaves it alone. */
  decided?: string;
}

export function restartExtra(state: ContainerStateRecord): RestartExtra {
  const r = state.extra.restart as Partial<RestartExtra> | undefined;
  return { delayMs: typeof r?.delayMs === 'number' ? r.delayMs : 0, ...(typeof r?.decided === 'string' ? { decided: r.decided } : {}) };
}

export function stoppedByUser(state: ContainerStateRecord): boolean {
  return state.extra.stoppedByUser === true;
}
