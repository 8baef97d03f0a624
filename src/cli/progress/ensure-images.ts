// Makes the images of the services there before anything is created (up,
// create, run) or because the user asked (pull): decisions from the pure
// planner (src/stack/plan-images.ts), pulls run in parallel with Docker
// Compose's progress (a line per service, a line per layer under it).
import type { ServiceConfig } from '../../compose/model.js';
import type { Engine, ImageTransferProgress } from '../../engine/types.js';
import { dependenciesFromProject, transitiveDependencies } from '../../stack/dependencies.js';
import type { ProgressEvent } from '../../stack/events.js';
import { planImages, planPulls, type ImageDecision, type LocalImage } from '../../stack/plan-images.js';
import { TscError } from '../../util/errors.js';
import { humanSize } from '../format/units.js';
import { createProgress } from '../progress.js';
import type { OpenStack } from './stack-command.js';

export interface EnsureImagesOptions {
  /** Services named on the command line (all when empty). */
  services?: string[];
  /** Leave out the dependencies of the named services. */
  noDeps?: boolean;
  /** `--pull` of up/create/run, `--policy` of pull. */
  policy?: string;
  build?: boolean;
  /** `pull` command rules instead of up's. */
  mode?: 'up' | 'pull';
  quiet?: boolean;
  ignoreFailures?: boolean;
  ignoreBuildable?: boolean;
}

export interface EnsureImagesResult {
  decisions: ImageDecision[];
  /** Image ID per service, for those whose image is in the store. */
  imageIds: Record<string, string>;
}

/** The services a command acts on: the named ones and (unless noDeps) what they depend on. */
export function selectedServices(open: OpenStack, names: string[] = [], noDeps = false): ServiceConfig[] {
  const project = open.stack!.project;
  for (const s of names) if (!(s in project.services)) throw new TscError('NO_SUCH_SERVICE', `no such service: ${s}`);
  const selected = new Set(names.length ? names : Object.keys(project.services));
  if (!noDeps && names.length) {
    const deps = dependenciesFromProject(project);
    for (const s of names) for (const d of transitiveDependencies(deps, s)) selected.add(d);
  }
  return Object.values(project.services).filter((s) => selected.has(s.name));
}

export async function ensureImages(open: OpenStack, opts: EnsureImagesOptions = {}): Promise<EnsureImagesResult> {
  const { engine } = open;
  const services = selectedServices(open, opts.services, opts.noDeps);
  const project = open.stack!.project.name;
  const local: Record<string, LocalImage | undefined> = {};
  await Promise.all([...new Set(services.map((s) => s.image).filter((i): i is string => !!i))].map(async (image) => {
    const present = (await engine.images.inspect(image).catch(() => undefined)) !== undefined;
    local[image] = { present, lastPulled: present ? await engine.images.lastPulled?.(image) : undefined };
  }));
  const decisions = opts.mode === 'pull'
    ? planPulls(services, { project, policy: opts.policy, local, ignoreBuildable: opts.ignoreBuildable })
    : planImages(services, { project, policy: opts.policy, build: opts.build, local, now: Date.now() });

  const pulls = decisions.filter((d) => d.action === 'pull');
  if (open.globals.dryRun) {
    for (const d of pulls) process.stdout.write(`Image ${d.image}  Pull (${d.reason})\n`);
  } else if (pulls.length > 0 || (opts.mode === 'pull' && decisions.length > 0)) {
    const failed = await runPulls(engine, decisions, { ...opts, progress: open.globals.progress, color: open.globals.ansi !== 'never' });
    for (const d of failed) if (d.buildOnPullFailure) Object.assign(d, { action: 'build', reason: 'the pull failed and the service has build:' });
  }
  if (opts.mode !== 'pull') await runBuilds(open, decisions, opts.build);
  const imageIds: Record<string, string> = {};
  for (const d of decisions) {
    const found = await engine.images.inspect(d.image).catch(() => undefined);
    if (found) imageIds[d.service] = found.id;
    else if (opts.mode !== 'pull' && !open.globals.dryRun) {
      throw new TscError('IMAGE_NOT_FOUND', `No such image: ${d.image} for service "${d.service}" (${d.reason}): pull it with \`tscompose image pull ${d.image}\`, or load it from a file with \`tscompose image load -i FILE\``);
    }
  }
  return { decisions, imageIds };
}

/**
 * The builds the decisions ask for (`--build`, `pull_policy: build`, a missing
 * image with `build:`, a failed pull with `build:`). `--no-build` builds
 * nothing: an image already there is used, a missing one fails below.
 */
async function runBuilds(open: OpenStack, decisions: ImageDecision[], build: boolean | undefined): Promise<void> {
  const builds = decisions.filter((d) => d.action === 'build');
  if (builds.length === 0) return;
  if (build === false || open.globals.dryRun) {
    for (const d of builds) {
      if (open.globals.dryRun) process.stdout.write(`Image ${d.image}  Build (${d.reason})\n`);
      Object.assign(d, { action: 'none', reason: build === false ? `${d.reason}, but --no-build` : d.reason });
    }
    return;
  }
  // Loaded only when something is to be built.
  const { buildServiceImages } = await import('./build-images.js');
  await buildServiceImages(open, builds.map((d) => d.service), { always: true });
}

/** Runs the pulls (one per image), with progress; resolves with the decisions whose pull failed (when allowed to fail). */
async function runPulls(engine: Engine, decisions: ImageDecision[], opts: EnsureImagesOptions & { progress?: string; color?: boolean }): Promise<ImageDecision[]> {
  if (!engine.images.pull) throw new TscError('ENGINE_UNSUPPORTED', `the ${engine.name} engine cannot pull images`);
  const progress = createProgress({ mode: opts.quiet ? 'quiet' : opts.progress, title: 'Pulling', color: opts.color });
  const emit = (e: ProgressEvent) => progress.onEvent(e);
  const byImage = new Map<string, ImageDecision[]>();
  for (const d of decisions) {
    if (d.action !== 'pull') {
      if (opts.mode === 'pull') emit({ kind: 'Service', name: d.service, status: 'Skipped', state: 'done', detail: d.reason.replace(/^Skipped( - )?/, '') || undefined });
      continue;
    }
    const key = `${d.image}\0${d.platform ?? ''}`;
    byImage.set(key, [...(byImage.get(key) ?? []), d]);
  }
  const failed: ImageDecision[] = [];
  const errors: unknown[] = [];
  try {
    await Promise.all([...byImage.values()].map(async (group) => {
      const first = group[0]!;
      for (const d of group) emit({ kind: 'Service', name: d.service, status: 'Pulling', state: 'working' });
      try {
        await engine.images.pull!(first.image, { platform: first.platform, onProgress: (p) => emit(layerEvent(first.service, p)) });
        for (const d of group) emit({ kind: 'Service', name: d.service, status: 'Pulled', state: 'done' });
      } catch (error) {
        const message = error instanceof TscError ? error.message : String(error);
        for (const d of group) emit({ kind: 'Service', name: d.service, status: 'Error', state: 'error', detail: message });
        if (first.buildOnPullFailure || opts.ignoreFailures) {
          failed.push(...group);
          if (opts.ignoreFailures && !first.buildOnPullFailure) process.stderr.write(`WARN[0000] ${message}\n`);
        } else errors.push(error);
      }
    }));
  } finally {
    progress.done();
  }
  if (errors.length > 0) throw errors[0];
  return failed;
}

export function layerEvent(service: string, p: ImageTransferProgress): ProgressEvent {
  const done = p.status === 'Pull complete' || p.status === 'Already exists' || p.status === 'Pushed' || p.status === 'Layer already exists' || p.status === 'Mounted';
  return {
    kind: 'Layer', name: p.layer ?? service, parent: service, status: p.status, state: done ? 'done' : 'working',
    ...(p.total ? { current: p.current ?? 0, total: p.total, detail: progressBar(p.current ?? 0, p.total) } : {}),
    ...(p.detail ? { detail: p.detail } : {}),
  };
}

/** Docker's `[=====>      ]  1.2MB/3.4MB`. */
export function progressBar(current: number, total: number, width = 50): string {
  const filled = Math.min(width, Math.floor((current / total) * width));
  const bar = filled >= width ? '='.repeat(width) : `${'='.repeat(filled)}>${' '.repeat(width - filled - 1)}`;
  return `[${bar}]  ${humanSize(current)}/${humanSize(total)}`;
}

