// `watch` and `up --watch`: the watch session (stack/watch/) wired to the
// stack commands: restart and recreate through the same planner path as
// `restart` and `up`, rebuild through the builder, and a Compose file edit
// reloaded, explained as `--dry-run` explains it, and applied.
import { buildServiceImages } from './build-images.js';
import { resolve } from 'node:path';
import { isSyncAction, watchRulesOf } from '../../compose/develop.js';
import { isMap } from '../../compose/source.js';
import { LABEL } from '../../stack/labels.js';
import { planRestart } from '../../stack/plan-lifecycle.js';
import { planUp, type UpPlanOptions } from '../../stack/plan-up.js';
import { formatPlan } from '../../stack/plan-format.js';
import type { StackProject } from '../../stack/stack-project.js';
import { readDockerignore } from '../../stack/watch/ignore-patterns.js';
import { compileRule, type CompiledRule } from '../../stack/watch/rules.js';
import { startWatchSession, type WatchSession } from '../../stack/watch/session.js';
import { TscError } from '../../util/errors.js';
import type { AttachedContainer } from './attach.js';
import { loadStack, lockedObserve, runPlan, type OpenStack } from './stack-command.js';

export interface WatchStackOptions {
  /** Services named on the command line (all when empty). */
  services: string[];
  /** How a Compose file edit is applied (what `up` was given). */
  upOptions: UpPlanOptions;
  /** `--quiet`: no build output. */
  quiet?: boolean;
  /** `--prune`: remove the image a rebuild replaced when nothing uses it any more. */
  prune?: boolean;
  /** Containers created by a rebuild or an edit (`up --watch` follows their output). */
  onCreated?: (containers: AttachedContainer[]) => void;
  quietMs?: number;
}

const MARK = '⦿ ';

/** Starts watching; fails (as Docker Compose) when no selected service has a `develop.watch` section. */
export async function startStackWatch(open: OpenStack, opts: WatchStackOptions): Promise<WatchSession> {
  const current: OpenStack = { ...open };
  const log = (message: string) => process.stdout.write(`${MARK}${message}\n`);
  const warn = (message: string) => process.stderr.write(`WARN[0000] ${message}\n`);
  const initial = reload(current, opts.services);
  const rules = rulesOf(initial.stack, opts.services, warn);
  if (rules.length === 0) throw notConfigured();

  const recreate = async (stack: StackProject, plan: UpPlanOptions) => lockedObserve({ ...current, stack }, 'up', async (ctx) => {
    const p = planUp(stack, ctx.observed, plan);
    if (plan.forceRecreate !== true) process.stdout.write(indent(formatPlan(p)));
    // Ctrl-C ends the watch session (commands/watch.ts), not only this plan.
    const result = await runPlan(ctx, p, 'Recreating', { cancellable: false });
    const created = p.steps.flatMap((s) => (s.kind === 'Container' && s.service && result?.created[s.name]
      ? [{ id: result.created[s.name]!, name: s.name, service: s.service, since: new Date(0).toISOString() }] : []));
    if (created.length) opts.onCreated?.(created);
    return [...new Set(created.map((c) => c.service))];
  });

  return startWatchSession({
    engine: current.engine,
    project: current.name,
    rules,
    configFiles: initial.files,
    log,
    warn,
    out: process.stdout,
    quietMs: opts.quietMs ?? quietFromEnv(),
    restart: (services) => lockedObserve(current, 'restart', async (ctx) => {
      await runPlan(ctx, planRestart(current.stack!.project, ctx.observed, { services, noDeps: true }), 'Restarting', { cancellable: false });
    }),
    rebuild: async (services) => {
      const stack = current.stack!;
      const before = await imagesOf(current, services);
      await buildServiceImages(current, services, { always: true, quiet: opts.quiet === true });
      log(`service(s) ${JSON.stringify(services).replace(/,/g, ' ')} successfully built`);
      const recreated = await recreate(stack, { services, noDeps: true, forceRecreate: true });
      if (opts.prune) await pruneReplaced(current, before);
      return recreated;
    },
    reconcile: async () => {
      let next: ReturnType<typeof reload>;
      try {
        next = reload(current, opts.services);
      } catch (error) {
        if (!(error instanceof TscError)) throw error;
        process.stderr.write(`${error.format()}\n`);
        log('Compose file is invalid: the stack is left as it is');
        return undefined;
      }
      log('Compose file changed: reconciling the stack');
      const recreated = await recreate(next.stack, opts.upOptions);
      current.stack = next.stack;
      return { rules: rulesOf(next.stack, opts.services, warn), configFiles: next.files, recreated };
    },
  });
}

/** Fails before anything starts when no selected service has `develop.watch` rules (Docker Compose checks first too). */
export function checkWatchConfigured(stack: StackProject, services: string[]): void {
  const selected = services.length > 0 ? services : Object.keys(stack.project.services);
  if (!selected.some((name) => stack.project.services[name] && watchRulesOf(stack.project.services[name]!).length > 0)) throw notConfigured();
}

function notConfigured(): TscError {
  return new TscError('WATCH_NOT_CONFIGURED', 'none of the selected services is configured for watch, consider setting a \'develop\' section');
}

/** TSCOMPOSE_WATCH_QUIET_MS: how long a burst of changes may pause and still be one batch. */
function quietFromEnv(): number | undefined {
  const raw = process.env.TSCOMPOSE_WATCH_QUIET_MS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new TscError('CLI_USAGE', `invalid TSCOMPOSE_WATCH_QUIET_MS "${raw}": use a whole number of milliseconds`);
  return n;
}

/** The project loaded again, with every file it was read from. */
function reload(open: OpenStack, services: string[]): { stack: StackProject; files: string[] } {
  const files = new Set<string>();
  const { stack } = loadStack(open.globals, { command: 'watch', services, onFile: (f) => files.add(resolve(f)) });
  if (!stack) throw new TscError('COMPOSE_INVALID', 'the project could not be loaded');
  for (const f of stack.environmentFiles) files.add(resolve(f));
  for (const service of Object.values(stack.project.services)) {
    const envFiles = service.env_file;
    if (Array.isArray(envFiles)) for (const e of envFiles) if (isMap(e) && typeof e.path === 'string') files.add(resolve(stack.workingDir, e.path));
  }
  return { stack, files: [...files] };
}

function rulesOf(stack: StackProject, services: string[], warn: (m: string) => void): CompiledRule[] {
  const selected = services.length > 0 ? services : Object.keys(stack.project.services);
  const out: CompiledRule[] = [];
  for (const name of selected) {
    const service = stack.project.services[name];
    if (!service) throw new TscError('NO_SUCH_SERVICE', `no such service: ${name}`);
    const build = isMap(service.build) ? service.build : undefined;
    const dockerignore = build && typeof build.context === 'string'
      ? { context: build.context, patterns: readDockerignore(build.context, typeof build.dockerfile === 'string' ? build.dockerfile : undefined) }
      : undefined;
    for (const rule of watchRulesOf(service)) {
      if (isSyncAction(rule.action) && boundByVolume(service.volumes, rule.path)) {
        warn(`path '${rule.path}' also declared by a bind mount volume, this path won't be monitored!`);
        continue;
      }
      out.push(compileRule(rule, dockerignore));
    }
  }
  return out;
}

function boundByVolume(volumes: unknown, path: string): boolean {
  if (!Array.isArray(volumes)) return false;
  return volumes.some((v) => isMap(v) && v.type === 'bind' && typeof v.source === 'string' && (path === v.source || path.startsWith(`${v.source}/`)));
}

function indent(text: string): string {
  return text.split('\n').filter((l) => l !== '').map((l) => `${MARK}  ${l}\n`).join('');
}

async function imagesOf(open: OpenStack, services: string[]): Promise<string[]> {
  const list = await open.engine.containers.list({ all: true, labels: { [LABEL.project]: open.name } });
  return [...new Set(list.filter((c) => services.includes(c.labels[LABEL.service] ?? '')).map((c) => c.imageId))];
}

/** `--prune`: the images the rebuilt services ran before, once untagged and unused. */
async function pruneReplaced(open: OpenStack, before: string[]): Promise<void> {
  const inUse = new Set((await open.engine.containers.list({ all: true })).map((c) => c.imageId));
  const images = await open.engine.images.list();
  for (const id of before) {
    const image = images.find((i) => i.id === id);
    if (image && image.repoTags.length === 0 && !inUse.has(id)) await open.engine.images.remove(id).catch(() => undefined);
  }
}
