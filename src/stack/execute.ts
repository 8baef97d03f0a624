// Runs a plan against an engine, each step as soon as the steps it waits for
// are done. A failed step skips what depends on it; independent steps finish;
// the first error is thrown at the end. No decisions here: the plan made them.
import type { Engine } from '../engine/types.js';
import { checkPlanPorts } from './check-ports.js';
import type { ProgressEvent, ProgressListener, ProgressStatus } from './events.js';
import type { Plan, PlanStep, WaitCondition } from './plan-types.js';
import { recreateContainer } from './recreate.js';

export interface ExecuteOptions {
  onEvent?: ProgressListener;
  /**
   * Waits for a dependency's condition before a container starts. The plan's
   * order already waits for dependencies to be started; healthy and
   * completed-successfully conditions hook in here.
   */
  waitCondition?: (step: PlanStep, condition: WaitCondition) => Promise<void>;
  /** Runs the service's post_start hooks; a failure fails the start. */
  postStart?: (step: PlanStep, containerId: string) => Promise<void>;
  /** Runs the service's pre_stop hooks before a container is stopped. */
  preStop?: (step: PlanStep, containerId: string) => Promise<void>;
  /**
   * Cancels the plan (Ctrl-C): steps in flight finish or are undone (a made
   * container is not started, a recreate not yet past its old container
   * removes the new one), no other step begins; then the reason is thrown.
   */
  signal?: AbortSignal;
}

export interface ExecuteResult {
  /** Container name → id of every container created. */
  created: Record<string, string>;
  failed: Array<{ step: PlanStep; error: unknown }>;
  skipped: PlanStep[];
}

export async function executePlan(engine: Engine, plan: Plan, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
  await checkPlanPorts(engine, plan);
  const result: ExecuteResult = { created: {}, failed: [], skipped: [] };
  const runs = new Map<string, Promise<boolean>>();
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const restarted = new Set<string>();
  const run = (step: PlanStep): Promise<boolean> => {
    let p = runs.get(step.id);
    if (!p) {
      p = (async () => {
        const ok = await Promise.all(step.after.map((id) => (byId.has(id) ? run(byId.get(id)!) : Promise.resolve(true))));
        if (ok.includes(false) || opts.signal?.aborted) {
          result.skipped.push(step);
          return false;
        }
        try {
          await runStep(engine, step, opts, result, restarted);
          if (step.service && RESTARTS.has(step.action.op)) restarted.add(step.service);
          return true;
        } catch (error) {
          if (opts.signal?.aborted && error === opts.signal.reason) {
            result.skipped.push(step);
            return false;
          }
          result.failed.push({ step, error });
          emit(opts, step, 'Error', 'error', error instanceof Error ? error.message : String(error));
          return false;
        }
      })();
      runs.set(step.id, p);
    }
    return p;
  };
  await Promise.all(plan.steps.map(run));
  opts.signal?.throwIfAborted();
  if (result.failed.length > 0) throw result.failed[0]!.error;
  return result;
}

function emit(opts: ExecuteOptions, step: PlanStep, status: ProgressStatus, state: ProgressEvent['state'], detail?: string): void {
  opts.onEvent?.({ kind: step.kind, name: step.name, status, state, ...(detail !== undefined ? { detail } : {}) });
}

/** Steps after which a service counts as restarted, for its dependents with `restart: true`. */
const RESTARTS = new Set(['container-recreate', 'container-restart']);

async function runStep(engine: Engine, step: PlanStep, opts: ExecuteOptions, result: ExecuteResult, restarted: Set<string>): Promise<void> {
  const a = step.action;
  const phase = async (working: ProgressStatus, done: ProgressStatus, fn: () => Promise<unknown>) => {
    emit(opts, step, working, 'working');
    await fn();
    emit(opts, step, done, 'done');
  };
  const start = async (id: string) => {
    for (const condition of step.waitFor ?? []) {
      if (opts.waitCondition) await opts.waitCondition(step, condition);
    }
    opts.signal?.throwIfAborted();
    await phase('Starting', 'Started', async () => {
      await engine.containers.start(id);
      await opts.postStart?.(step, id);
    });
  };
  const stop = async (id: string, timeoutSeconds?: number) => {
    await opts.preStop?.(step, id);
    await engine.containers.stop(id, { timeoutSeconds });
  };
  switch (a.op) {
    case 'network-create': return phase('Creating', 'Created', () => engine.networks.create(a.spec));
    case 'network-remove': return phase('Removing', 'Removed', () => engine.networks.remove(step.name));
    case 'volume-create': return phase('Creating', 'Created', () => engine.volumes.create(a.spec));
    case 'volume-remove': return phase('Removing', 'Removed', () => engine.volumes.remove(step.name));
    case 'image-remove':
      if (!(await engine.images.inspect(step.name))) return;
      return phase('Removing', 'Removed', () => engine.images.remove(step.name));
    case 'container-create': {
      let id = '';
      await phase('Creating', 'Created', async () => { id = await engine.containers.create(a.spec); });
      result.created[a.spec.name] = id;
      if (a.start) await start(id);
      return;
    }
    case 'container-recreate': {
      let id = '';
      await phase('Recreate', 'Recreated', async () => {
        id = await recreateContainer(engine, a, { stopOld: (old) => stop(old, a.timeoutSeconds), signal: opts.signal });
      });
      result.created[a.spec.name] = id;
      if (a.start) await start(id);
      return;
    }
    case 'container-start': return start(a.container.id);
    case 'container-running':
      // depends_on `restart: true`: a dependency recreated by this plan restarts its running dependents (as Compose).
      if (step.waitFor?.some((w) => w.restart && restarted.has(w.service))) {
        return phase('Restarting', 'Restarted', async () => {
          await stop(a.container.id);
          await engine.containers.start(a.container.id);
          await opts.postStart?.(step, a.container.id);
        });
      }
      return emit(opts, step, 'Running', 'done');
    case 'container-stop': return phase('Stopping', 'Stopped', () => stop(a.container.id, a.timeoutSeconds));
    case 'container-restart': return phase('Restarting', 'Restarted', async () => {
      await stop(a.container.id, a.timeoutSeconds);
      await engine.containers.start(a.container.id);
      await opts.postStart?.(step, a.container.id);
    });
    case 'container-remove':
      if (a.stop) await phase('Stopping', 'Stopped', () => stop(a.container.id, a.timeoutSeconds));
      return phase('Removing', 'Removed', () => engine.containers.remove(a.container.id, { force: a.force ?? a.stop, volumes: a.volumes }));
    case 'container-kill': return phase('Killing', 'Killed', () => engine.containers.kill(a.container.id, a.signal));
    case 'container-pause': return phase('Pausing', 'Paused', () => engine.containers.pause(a.container.id));
    case 'container-unpause': return phase('Unpausing', 'Unpaused', () => engine.containers.unpause(a.container.id));
  }
}

/** Runs `fn` holding the project's lock (`waiting for "up" (pid 1234)…` goes to onWait). */
export async function withProjectLock<T>(engine: Engine, project: string, command: string, fn: () => Promise<T>, onWait?: (message: string) => void): Promise<T> {
  const release = await engine.lockProject(project, command, { onWait });
  try {
    return await fn();
  } finally {
    await release();
  }
}
