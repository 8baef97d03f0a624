// Health state as Docker keeps it (moby daemon/health.go): `starting` until
// the first success, failures inside the start period do not count, `retries`
// failures in a row make it `unhealthy`, the last 5 results are kept.
import type { ContainerState } from '../../../engine/types.js';
import { updateState, type ContainerStateRecord } from '../state/containers.js';
import type { StateRoot } from '../state/root.js';

export type Health = NonNullable<ContainerState['health']>;
export type HealthResult = Health['log'][number];

export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_BYTES = 4096;

/** The health of a run that just started: `starting`, streak 0, the old log kept (Docker's initHealthMonitor). */
export function startingHealth(previous: Health | undefined): Health {
  return { status: 'starting', failingStreak: 0, log: previous?.log ?? [] };
}

export interface ProbeRules {
  /** When the run started (ISO 8601). */
  startedAt: string;
  startPeriodMs: number;
  retries: number;
}

export function applyProbeResult(previous: Health | undefined, result: HealthResult, rules: ProbeRules): Health {
  const h: Health = { ...(previous ?? startingHealth(undefined)) };
  h.log = [...h.log, result].slice(-MAX_LOG_ENTRIES);
  if (result.exitCode === 0) return { ...h, status: 'healthy', failingStreak: 0 };
  const inStartPeriod = h.status === 'starting' && Date.parse(result.start) - Date.parse(rules.startedAt) < rules.startPeriodMs;
  if (inStartPeriod) return h;
  const failingStreak = h.failingStreak + 1;
  return { ...h, failingStreak, status: failingStreak >= rules.retries ? 'unhealthy' : h.status };
}

/**
 * Records a probe's result on the container, under its state lock, only when
 * the run it was made for is still the current one; the new health, or
 * undefined when the result was dropped.
 */
export async function recordProbeResult(root: StateRoot, id: string, result: HealthResult, rules: ProbeRules): Promise<Health | undefined> {
  let recorded: Health | undefined;
  await updateState(root, id, (s: ContainerStateRecord) => {
    if (s.status !== 'running' || s.startedAt !== rules.startedAt) return s;
    recorded = applyProbeResult(s.health, result, rules);
    return { ...s, health: recorded };
  });
  return recorded;
}

/** Output as Docker stores it: at most 4 KiB, `...` when cut. */
export function limitOutput(text: string): string {
  const buf = Buffer.from(text, 'utf8');
  return buf.length <= MAX_OUTPUT_BYTES ? text : `${buf.subarray(0, MAX_OUTPUT_BYTES).toString('utf8')}...`;
}
