// What every state-changing command does: load the project (or only its name
// with `-p` when a command allows it), lock the project, observe, plan, then
// print the plan (--dry-run) or execute it with progress on stderr.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LoadResult } from '../../compose/load.js';
import type { Engine } from '../../engine/types.js';
import { TscError } from '../../util/errors.js';
import { executePlan, withProjectLock } from '../../stack/execute.js';
import type { ExecuteOptions, ExecuteResult } from '../../stack/execute.js';
import type { ProgressEvent } from '../../stack/events.js';
import { createHookRunner } from '../../stack/hooks.js';
import { createWaitCondition } from '../../stack/wait-conditions.js';
import { observeProject } from '../../stack/observe.js';
import type { ObservedProject } from '../../stack/observe.js';
import { formatPlan } from '../../stack/plan-format.js';
import type { Plan } from '../../stack/plan-types.js';
import type { StackProject } from '../../stack/stack-project.js';
import { loadProjectFor, openEngine, projectNameHint } from '../context.js';
import type { GlobalOptions } from '../global-options.js';
import { createProgress } from '../progress.js';
import { whileCancellable } from '../interrupt.js';

export interface StackCommandContext {
  engine: Engine;
  name: string;
  stack?: StackProject;
  observed: ObservedProject;
  globals: GlobalOptions;
}

export interface StackCommandOptions {
  command: string;
  /** Services named on the command line (they enable their profiles). */
  services?: string[];
  /** May run with `-p NAME` alone when no Compose file is found (down, stop, start…). */
  projectOptional?: boolean;
  title?: string;
  /** Told every Compose file read (watch). */
  onFile?: (path: string) => void;
}

/** Loads the project; undefined when it may be absent and `-p`/COMPOSE_PROJECT_NAME names it. */
export function loadStack(globals: GlobalOptions, opts: StackCommandOptions): { name: string; stack?: StackProject } {
  let loaded: LoadResult;
  try {
    loaded = loadProjectFor(globals, { services: opts.services?.length ? opts.services : undefined, ...(opts.onFile ? { onFile: opts.onFile } : {}) });
  } catch (error) {
    const hint = projectNameHint(globals);
    if (opts.projectOptional && hint && error instanceof TscError && error.code === 'COMPOSE_FILE_NOT_FOUND') return { name: hint };
    throw error;
  }
  if (!loaded.project) throw new TscError('COMPOSE_INVALID', 'the project could not be loaded');
  return { name: loaded.name, stack: { project: loaded.project, workingDir: loaded.projectDir, configFiles: loaded.files, environmentFiles: environmentFiles(globals, loaded.projectDir), env: loaded.env } };
}

function environmentFiles(globals: GlobalOptions, projectDir: string): string[] {
  if (globals.envFile.length > 0) return globals.envFile.map((f) => resolve(f));
  const dotEnv = join(projectDir, '.env');
  return existsSync(dotEnv) ? [dotEnv] : [];
}

export interface OpenStack {
  engine: Engine;
  name: string;
  stack?: StackProject;
  globals: GlobalOptions;
}

/** Loads the project and opens the engine for `fn`; closes the engine after. */
export async function withEngine<T>(globals: GlobalOptions, opts: StackCommandOptions, fn: (open: OpenStack) => Promise<T>): Promise<T> {
  // Opened first: the processes of its start-up checks run while the project loads.
  const opening = openEngine(globals);
  let loaded: { name: string; stack?: StackProject };
  try {
    loaded = loadStack(globals, opts);
  } catch (error) {
    // The project's error is the one to report, once the engine is done opening.
    await opening.then((engine) => engine.close(), () => undefined);
    throw error;
  }
  const { name, stack } = loaded;
  const engine = await opening;
  try {
    return await fn({ engine, name, stack, globals });
  } finally {
    await engine.close();
  }
}

/** Runs `fn` under the project lock with the project's observed state. */
export function lockedObserve<T>(open: OpenStack, command: string, fn: (ctx: StackCommandContext) => Promise<T>): Promise<T> {
  return withProjectLock(open.engine, open.name, command, async () => {
    const observed = await observeProject(open.engine, open.name, open.stack?.project);
    return fn({ ...open, observed });
  }, (message) => process.stderr.write(`${message}\n`));
}

/** Opens the engine, runs `fn` under the project lock, closes the engine. */
export function withStack<T>(globals: GlobalOptions, opts: StackCommandOptions, fn: (ctx: StackCommandContext) => Promise<T>): Promise<T> {
  return withEngine(globals, opts, (open) => lockedObserve(open, opts.command, fn));
}

export interface RunPlanOptions {
  /**
   * False when the caller handles Ctrl-C itself (attached `up` stopping its
   * stack, watch): the plan is then not cancelled by SIGINT/SIGTERM.
   */
  cancellable?: boolean;
}

/**
 * Prints the plan's warnings, then the plan (dry run) or runs it with
 * progress; the first Ctrl-C or SIGTERM cancels it cleanly (cli/interrupt).
 */
export async function runPlan(ctx: StackCommandContext, plan: Plan, title = 'Running', opts: RunPlanOptions = {}): Promise<ExecuteResult | undefined> {
  for (const w of plan.warnings) process.stderr.write(`WARN[0000] ${w}\n`);
  if (ctx.globals.dryRun) {
    process.stdout.write(formatPlan(plan));
    return undefined;
  }
  const progress = createProgress({ mode: ctx.globals.progress, title, color: ctx.globals.ansi !== 'never' });
  try {
    const onEvent = (e: ProgressEvent) => progress.onEvent(e);
    const execute = (signal?: AbortSignal) => executePlan(ctx.engine, plan, { onEvent, signal, ...stackLifecycle(ctx, onEvent, signal) });
    return await (opts.cancellable === false ? execute() : whileCancellable(execute));
  } finally {
    progress.done();
  }
}

/** depends_on conditions and the services' hooks, when the project is known. */
function stackLifecycle(ctx: StackCommandContext, onEvent: (e: ProgressEvent) => void, signal?: AbortSignal): Partial<ExecuteOptions> {
  if (!ctx.stack) return {};
  const hooks = createHookRunner(ctx.engine, ctx.stack.project);
  const warn = (message: string) => process.stderr.write(`WARN[0000] ${message}\n`);
  return { waitCondition: createWaitCondition({ engine: ctx.engine, project: ctx.name, onEvent, warn, signal }), postStart: hooks.postStart, preStop: hooks.preStop };
}

/** `-t 10` as a number of seconds. */
export function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new TscError('CLI_USAGE', `invalid timeout "${value}": use a whole number of seconds`);
  return n;
}
