// `tscompose up`: create and start the stack; attached, follow its output
// until Ctrl-C (which stops it) or until its containers exit.
import type { Command } from 'commander';
import { dependenciesFromProject, transitiveDependencies } from '../../stack/dependencies.js';
import { planKill, planStop } from '../../stack/plan-lifecycle.js';
import { planUp } from '../../stack/plan-up.js';
import type { UpPlanOptions } from '../../stack/plan-up.js';
import type { GlobalOptions } from '../global-options.js';
import { attachContainers } from '../progress/attach.js';
import type { AttachedContainer, AttachOptions } from '../progress/attach.js';
import type { WatchSession } from '../../stack/watch/session.js';
import { ExitCodeError, TscError } from '../../util/errors.js';
import { lockedObserve, parseTimeout, runPlan, withEngine } from '../progress/stack-command.js';
import type { OpenStack } from '../progress/stack-command.js';
import { parseWaitTimeout, waitForStack } from '../progress/wait-stack.js';
import { ensureImages } from '../progress/ensure-images.js';
import { checkPullPolicyFlag } from '../../stack/plan-images.js';
import { withSignalHandler } from '../signal-handler.js';

export interface CreateFlags {
  forceRecreate: boolean;
  recreate: boolean;
  alwaysRecreateDeps: boolean;
  removeOrphans: boolean;
  scale: string[];
  deps?: boolean;
  /** `--build` true, `--no-build` false. */
  build?: boolean;
  pull?: string;
  /** `up -V` (Compose's `create` has no such flag). */
  renewAnonVolumes?: boolean;
}

interface UpFlags extends CreateFlags {
  detach: boolean;
  abortOnContainerExit: boolean;
  exitCodeFrom?: string;
  start: boolean;
  timeout?: string;
  logPrefix: boolean;
  wait?: boolean;
  waitTimeout?: string;
  watch?: boolean;
}

export const collect = (value: string, previous: string[]) => [...previous, value];

/** The flags `up` and `create` share. */
export function addCreateFlags(cmd: Command): Command {
  return cmd
    .option('--force-recreate', 'Recreate containers even if their configuration and image haven\'t changed', false)
    .option('--no-recreate', 'If containers already exist, don\'t recreate them. Incompatible with --force-recreate.')
    .option('--always-recreate-deps', 'Recreate dependent containers. Incompatible with --no-recreate.', false)
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file', false)
    .option('--scale <scale>', 'Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.', collect, [])
    .option('--build', 'Build images before starting containers')
    .option('--no-build', 'Don\'t build an image, even if it\'s policy')
    .option('--pull <policy>', 'Pull image before running ("always"|"missing"|"never")');
}

/** Pulls (or refuses to build) what the services need, before anything is created; the image IDs for the plan. */
export async function ensureServiceImages(open: OpenStack, services: string[], flags: { pull?: string; build?: boolean; deps?: boolean }): Promise<Record<string, string>> {
  const policy = flags.pull !== undefined ? checkPullPolicyFlag(flags.pull) : undefined;
  return (await ensureImages(open, { services, noDeps: flags.deps === false, policy, build: flags.build })).imageIds;
}

/** `--scale web=3` (repeatable) → `{ web: 3 }`. */
export function parseScale(flags: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const flag of flags) {
    const m = /^([^=]+)=(\d+)$/.exec(flag);
    if (!m) throw new TscError('CLI_USAGE', `invalid --scale "${flag}": use SERVICE=NUM, e.g. --scale web=3`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export function upPlanOptions(services: string[], flags: CreateFlags, extra: Partial<UpPlanOptions> = {}): UpPlanOptions {
  if (flags.renewAnonVolumes && !flags.recreate) throw new TscError('CLI_USAGE', '--no-recreate and --renew-anon-volumes are incompatible');
  if (flags.forceRecreate && !flags.recreate) throw new TscError('CLI_USAGE', '--force-recreate and --no-recreate are incompatible');
  const env = process.env.COMPOSE_REMOVE_ORPHANS;
  return {
    services,
    noDeps: flags.deps === false,
    forceRecreate: flags.forceRecreate,
    noRecreate: !flags.recreate,
    alwaysRecreateDeps: flags.alwaysRecreateDeps,
    renewAnonVolumes: flags.renewAnonVolumes === true,
    removeOrphans: flags.removeOrphans || env === 'true' || env === '1',
    scale: parseScale(flags.scale),
    ...extra,
  };
}

export function registerUp(program: Command): void {
  addCreateFlags(program
    .command('up')
    .description('Create and start containers')
    .argument('[services...]', 'Services to start (and their dependencies)'))
    .option('-d, --detach', 'Detached mode: Run containers in the background', false)
    .option('--abort-on-container-exit', 'Stops all containers if any container was stopped. Incompatible with -d', false)
    .option('--exit-code-from <service>', 'Return the exit code of the selected service container. Implies --abort-on-container-exit')
    .option('--no-deps', 'Don\'t start linked services')
    .option('--no-start', 'Don\'t start the services after creating them')
    .option('-V, --renew-anon-volumes', 'Recreate anonymous volumes instead of retrieving data from the previous containers', false)
    .option('-t, --timeout <seconds>', 'Use this timeout in seconds for container shutdown when attached or when containers are already running')
    .option('--no-log-prefix', 'Don\'t print prefix in logs')
    .option('--wait', 'Wait for services to be running|healthy. Implies detached mode.', false)
    .option('--wait-timeout <seconds>', 'Maximum duration in seconds to wait for the project to be running|healthy')
    .option('-w, --watch', 'Watch source code and rebuild/refresh containers when files are updated.', false)
    .action(async (services: string[], flags: UpFlags, cmd: Command) => {
      await runUp(services, flags, cmd.optsWithGlobals() as GlobalOptions);
    });
}

async function runUp(services: string[], flags: UpFlags, globals: GlobalOptions): Promise<void> {
  const abortOnExit = flags.abortOnContainerExit || flags.exitCodeFrom !== undefined;
  if (flags.detach && abortOnExit) throw new TscError('CLI_USAGE', '--abort-on-container-exit and --detach are incompatible');
  if (flags.watch && (flags.detach || flags.wait)) throw new TscError('CLI_USAGE', `--watch and ${flags.detach ? '--detach' : '--wait'} are incompatible: watch follows the stack in the foreground`);
  if (flags.watch && !flags.start) throw new TscError('CLI_USAGE', '--watch and --no-start are incompatible');
  const timeout = parseTimeout(flags.timeout);
  const opts = upPlanOptions(services, flags, { noStart: !flags.start, timeout });
  const waitTimeout = parseWaitTimeout(flags.waitTimeout);
  const attach = !flags.detach && !flags.wait && flags.start && !globals.dryRun;
  await withEngine(globals, { command: 'up', services }, async (open) => {
    const stack = open.stack!;
    if (flags.exitCodeFrom && !(flags.exitCodeFrom in stack.project.services)) throw new TscError('NO_SUCH_SERVICE', `no such service: ${flags.exitCodeFrom}`);
    if (flags.watch) (await import('../progress/watch-stack.js')).checkWatchConfigured(stack, services);
    const imageIds = await ensureServiceImages(open, services, flags);
    const attached = await lockedObserve(open, 'up', async (ctx) => {
      const plan = planUp(stack, ctx.observed, { ...opts, imageIds });
      const since = new Date().toISOString();
      const result = await runPlan(ctx, plan);
      if (!result || !attach) return [];
      // `attach: false` services run without their output shown, as Docker Compose does.
      const targets = new Set((services.length > 0 ? services : Object.keys(stack.project.services)).filter((n) => stack.project.services[n]?.attach !== false));
      return plan.steps.filter((s) => s.kind === 'Container' && s.service && targets.has(s.service) && s.action.op !== 'container-remove')
        .map((s): AttachedContainer => {
          const a = s.action;
          const id = a.op === 'container-create' || a.op === 'container-recreate' ? result.created[s.name]! : 'container' in a ? a.container.id : '';
          return { id, name: s.name, service: s.service!, ...(a.op !== 'container-running' ? { since } : {}) };
        }).filter((c) => c.id);
    });
    if (flags.wait && flags.start) await waitForStack(open, services, waitTimeout);
    if (!attach) return;
    const watching = flags.watch ? await startUpWatch(open, services, opts) : undefined;
    let code: number;
    try {
      code = await followUntilDone(open, attached, services, flags, abortOnExit, timeout, watching?.attach);
    } finally {
      await watching?.session.close();
    }
    if (code !== 0) throw new ExitCodeError(code);
  });
}

/** Attached mode; resolves with the exit code `up` should have. */
/** `up --watch`: watching starts once the stack is up; containers it creates are followed too. */
async function startUpWatch(open: OpenStack, services: string[], upOptions: UpPlanOptions): Promise<{ session: WatchSession; attach: Pick<AttachOptions, 'untilAborted' | 'onAttach'> }> {
  const early: AttachedContainer[] = [];
  let add: ((c: AttachedContainer) => void) | undefined;
  const { startStackWatch } = await import('../progress/watch-stack.js');
  const session = await startStackWatch(open, { services, upOptions, onCreated: (cs) => cs.forEach((c) => (add ? add(c) : early.push(c))) });
  await session.ready;
  return { session, attach: { untilAborted: true, onAttach: (fn) => { add = fn; early.splice(0).forEach(fn); } } };
}

async function followUntilDone(open: OpenStack, containers: AttachedContainer[], services: string[], flags: UpFlags, abortOnExit: boolean, timeout?: number, watch?: Pick<AttachOptions, 'untilAborted' | 'onAttach'>): Promise<number> {
  const project = open.stack!.project;
  process.stdout.write(`Attaching to ${containers.map((c) => c.name.replace(`${open.name}-`, '')).join(', ')}\n`);
  const interrupt = new AbortController();
  const force = new AbortController();
  const onSigint = () => {
    if (!interrupt.signal.aborted) {
      process.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
      interrupt.abort();
    } else force.abort();
  };
  return withSignalHandler(['SIGINT'], onSigint, async () => {
    const result = await attachContainers(open.engine, {
      project: open.name, containers, color: open.globals.ansi !== 'never' && !!process.stdout.isTTY,
      noPrefix: !flags.logPrefix, abortOnExit, signal: interrupt.signal, ...watch,
    });
    if (result.reason === 'container-exit') process.stderr.write('Aborting on container exit...\n');
    if (result.reason !== 'all-exited') {
      const selected = new Set(services);
      if (flags.deps !== false) {
        const deps = dependenciesFromProject(project);
        for (const s of services) for (const d of transitiveDependencies(deps, s)) selected.add(d);
      }
      const only = selected.size > 0 ? [...selected] : undefined;
      const kill = () => lockedObserve(open, 'kill', (ctx) => runPlan(ctx, planKill(project, ctx.observed, { services: only }), 'Killing', { cancellable: false }));
      force.signal.addEventListener('abort', () => { void kill().catch(() => undefined); });
      await lockedObserve(open, 'stop', (ctx) => runPlan(ctx, planStop(project, ctx.observed, { services: only, timeout }), 'Stopping', { cancellable: false }));
    }
    if (result.reason === 'interrupted') return 130;
    if (flags.exitCodeFrom) {
      const exit = result.exits.find((e) => e.service === flags.exitCodeFrom);
      if (exit) return exit.code;
      const c = containers.find((x) => x.service === flags.exitCodeFrom);
      return c ? open.engine.containers.wait(c.id) : 0;
    }
    return result.reason === 'container-exit' ? result.exits[0]?.code ?? 0 : 0;
  });
}
