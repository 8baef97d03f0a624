// Docker's restart policies as pure decisions (moby's restartmanager): whether
// a container that has just exited is restarted, and after what delay; and
// which containers `system boot` starts.
import type { RestartPolicySpec } from '../../../engine/types.js';

/** First backoff delay, its ceiling, and how long a run must last to reset it (moby: 100 ms, 1 min, 10 s). */
export const BACKOFF_FIRST_MS = 100;
export const BACKOFF_MAX_MS = 60_000;
export const BACKOFF_RESET_AFTER_MS = 10_000;

export interface ExitFacts {
  exitCode: number;
  /** The user stopped, killed or removed it (`stop`, `down`, `kill`, `rm`). */
  stoppedByUser: boolean;
  /** Restarts since the user last started it. */
  restartCount: number;
  /** How long the run lasted. */
  ranMs: number;
  /** The delay used before the previous restart (0: none yet). */
  previousDelayMs: number;
}

export type RestartDecision = { restart: false } | { restart: true; delayMs: number };

export function hasRestartPolicy(policy: RestartPolicySpec | undefined): policy is RestartPolicySpec {
  return policy !== undefined && policy.name !== 'no';
}

/** Whether the policy restarts this exit; a user stop cancels every policy, as Docker's stop cancels its restart manager. */
export function decideRestart(policy: RestartPolicySpec | undefined, exit: ExitFacts): RestartDecision {
  if (!hasRestartPolicy(policy) || exit.stoppedByUser) return { restart: false };
  if (policy.name === 'on-failure') {
    const max = policy.maximumRetryCount ?? 0;
    if (exit.exitCode === 0 || (max > 0 && exit.restartCount >= max)) return { restart: false };
  }
  return { restart: true, delayMs: nextDelay(exit.previousDelayMs, exit.ranMs) };
}

/** 100 ms, doubled on each restart up to 1 min; back to 100 ms once a run has lasted 10 s. */
export function nextDelay(previousDelayMs: number, ranMs: number): number {
  const previous = ranMs >= BACKOFF_RESET_AFTER_MS ? 0 : previousDelayMs;
  if (previous <= 0) return BACKOFF_FIRST_MS;
  return Math.min(previous * 2, BACKOFF_MAX_MS);
}

export interface BootFacts {
  exitCode: number;
  stoppedByUser: boolean;
  /** Never started: Docker's restore skips containers that have not been started before. */
  neverStarted: boolean;
}

/**
 * Which stopped containers come back when the host starts again, as the
 * Docker daemon brings them back on restore: `always` (even when the user had
 * stopped it, as Docker documents), `unless-stopped` unless the user stopped
 * it. `on-failure` ones stay down: their failure was handled, or given up on.
 */
export function startsAtBoot(policy: RestartPolicySpec | undefined, facts: BootFacts): boolean {
  if (!hasRestartPolicy(policy) || facts.neverStarted) return false;
  switch (policy.name) {
    case 'always':
      return true;
    case 'unless-stopped':
      return !facts.stoppedByUser;
    default:
      return false;
  }
}

/** Milliseconds between two ISO 8601 times; 0 when either is missing or unparsable. */
export function elapsedMs(from: string, to: string): number {
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isFinite(a) && Number.isFinite(b) && b > a ? b - a : 0;
}
