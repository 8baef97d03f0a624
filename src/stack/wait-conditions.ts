// Waiting on containers as Docker Compose does: `depends_on` conditions
// (service_healthy, service_completed_successfully) before a dependent
// starts, and `up --wait` / `start --wait` before the command returns.
// Polls the engine (every 500 ms, as Compose) and reports Waiting, then
// Healthy or Exited, on the dependency's containers.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerDetails, Engine } from '../engine/types.js';
import { TscError } from '../util/errors.js';
import type { ProgressListener, ProgressStatus } from './events.js';
import { LABEL } from './labels.js';
import type { PlanStep, WaitCondition } from './plan-types.js';
import { compareStrings } from '../util/compare.js';

export interface WaitOptions {
  engine: Engine;
  project: string;
  onEvent?: ProgressListener;
  /** Said to the user (an optional dependency that failed). */
  warn?: (message: string) => void;
  pollMs?: number;
  signal?: AbortSignal;
}

/** How one container stands against a condition: met, not yet, or failed (with why). */
type Verdict = { state: 'met' } | { state: 'waiting'; why: string } | { state: 'failed'; why: string };

export type StackCondition = 'running_or_healthy' | 'service_healthy' | 'service_completed_successfully';

/** The executor's `waitCondition` hook. */
export function createWaitCondition(opts: WaitOptions): (step: PlanStep, condition: WaitCondition) => Promise<void> {
  return async (step, { service, condition, required }) => {
    if (condition === 'service_started') return; // the plan's order already did it
    const containers = await serviceContainers(opts, service);
    if (containers.length === 0) {
      const message = `${step.service ?? step.name} is missing dependency ${service}`;
      if (required) throw new TscError('DEPENDENCY_MISSING', message);
      opts.warn?.(message);
      return;
    }
    try {
      await waitUntil(opts, containers, condition);
    } catch (error) {
      if (required || !(error instanceof TscError)) throw error;
      opts.warn?.(`optional dependency "${service}" ${condition === 'service_healthy' ? 'failed to start' : 'did not complete successfully'}: ${error.message}`);
    }
  };
}

export interface WaitForServicesOptions extends WaitOptions {
  services: Array<{ service: string; condition: StackCondition }>;
  timeoutSeconds?: number;
}

/** `--wait`: every container of these services running (healthy where it has a healthcheck), or failing with the reason. */
export async function waitForServices(opts: WaitForServicesOptions): Promise<void> {
  const timeout = opts.timeoutSeconds ? AbortSignal.timeout(opts.timeoutSeconds * 1000) : undefined;
  // The first failure ends the other waits.
  const failed = new AbortController();
  const signal = AbortSignal.any([failed.signal, ...(timeout ? [timeout] : []), ...(opts.signal ? [opts.signal] : [])]);
  const last = new Map<string, string>();
  try {
    await Promise.all(opts.services.map(async ({ service, condition }) => {
      const containers = await serviceContainers(opts, service);
      await waitUntil({ ...opts, signal }, containers, condition, (name, why) => last.set(name, why));
    }).map((p) => p.catch((error: unknown) => {
      failed.abort(error);
      throw error;
    })));
  } catch (error) {
    if (!timeout?.aborted) throw error;
    const pending = [...last].map(([name, why]) => `${name} (${why})`).join(', ');
    throw new TscError('WAIT_TIMEOUT', `application not healthy after ${opts.timeoutSeconds}s: timeout waiting for ${pending || 'the containers'}`);
  }
}

async function serviceContainers(opts: WaitOptions, service: string): Promise<Array<{ id: string; name: string }>> {
  const list = await opts.engine.containers.list({ all: true, labels: { [LABEL.project]: opts.project, [LABEL.service]: service } });
  return list.filter((c) => c.labels[LABEL.oneoff] !== 'True').map((c) => ({ id: c.id, name: c.name })).sort((a, b) => compareStrings(a.name, b.name));
}

async function waitUntil(opts: WaitOptions, containers: Array<{ id: string; name: string }>, condition: StackCondition | 'service_started', onPending?: (name: string, why: string) => void): Promise<void> {
  const emit = (status: ProgressStatus, state: 'working' | 'done' | 'error', detail?: string) => {
    for (const c of containers) opts.onEvent?.({ kind: 'Container', name: c.name, status, state, ...(detail ? { detail } : {}) });
  };
  emit('Waiting', 'working');
  for (;;) {
    let waiting = false;
    for (const c of containers) {
      const details = await opts.engine.containers.inspect(c.id);
      const v = details ? judge(details, condition) : { state: 'failed' as const, why: `container ${c.name} was removed` };
      if (v.state === 'failed') {
        emit('Error', 'error');
        throw new TscError('DEPENDENCY_FAILED', condition === 'service_healthy' ? `dependency failed to start: ${v.why}` : v.why);
      }
      if (v.state === 'waiting') {
        waiting = true;
        onPending?.(c.name, v.why);
      }
    }
    if (!waiting) break;
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    await sleep(opts.pollMs ?? 500, undefined, { signal: opts.signal }).catch(() => undefined);
  }
  emit(condition === 'service_completed_successfully' ? 'Exited' : 'Healthy', 'done');
}

function judge(c: ContainerDetails, condition: StackCondition | 'service_started'): Verdict {
  const s = c.state;
  const health = s.health;
  const lastOutput = () => {
    const out = health?.log.at(-1)?.output.trim();
    return out ? `\n${out}` : '';
  };
  if (condition === 'service_completed_successfully') {
    if (s.status !== 'exited') return { state: 'waiting', why: s.status };
    if (s.exitCode === 0) return { state: 'met' };
    return { state: 'failed', why: `service "${c.labels[LABEL.service] ?? c.name}" didn't complete successfully: exit ${s.exitCode}` };
  }
  if (s.status === 'exited' || s.status === 'dead') {
    // One-shot services count for --wait when they ended well.
    if (condition === 'running_or_healthy' && s.exitCode === 0 && s.startedAt !== '0001-01-01T00:00:00Z') return { state: 'met' };
    return { state: 'failed', why: `container ${c.name} exited (${s.exitCode})` };
  }
  if (s.status === 'created') return { state: 'waiting', why: 'created' };
  if (!health) {
    if (condition === 'service_healthy') return { state: 'failed', why: `container ${c.name} has no healthcheck configured` };
    return s.status === 'running' ? { state: 'met' } : { state: 'waiting', why: s.status };
  }
  switch (health.status) {
    case 'healthy': return { state: 'met' };
    case 'unhealthy': return { state: 'failed', why: `container ${c.name} is unhealthy${lastOutput()}` };
    default: return { state: 'waiting', why: 'health: starting' };
  }
}
