// The embedded engine's BuildService: a Dockerfile's needed stages built in
// parallel (each waits only for the stages it reads), each step on the
// engine's own snapshots and runtime, then one image committed to the store.
// Nothing is committed when a step fails; the steps that did finish stay in
// the cache.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { BuildEvent, BuildResult, BuildService, BuildSpec } from '../../../engine/types.js';
import { parseDockerignore } from '../../../build/dockerignore.js';
import { DockerfileError } from '../../../build/errors.js';
import { expand, metaArgValues, neededStages, parseBuildGraph, PROXY_ARGS, stageDependencies, targetStage, type BuildGraph, type Stage } from '../../../build/stages.js';
import { TscError } from '../../../util/errors.js';
import type { ContainerContext } from '../containers/context.js';
import { goArch } from '../images/oci.js';
import { formatReference, parseReference } from '../images/reference.js';
import { BuildCache, buildCacheDir } from './cache.js';
import { FileSteps } from './file-steps.js';
import type { SourceTree } from './source-tree.js';
import { chainKey, type StageState } from './state.js';
import { applyMetadata } from './steps.js';
import { removeStaleWorkspaces } from './workspace.js';
import { removeStaleBuildContainers } from './run-step.js';

const FILE_STEPS = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);

export class EmbeddedBuilder implements BuildService {
  readonly cache: BuildCache;
  private readonly tmpRoot: string;

  constructor(private readonly ctx: ContainerContext) {
    this.cache = new BuildCache(buildCacheDir(ctx.root.path), (d) => ctx.images.blobs.path(d));
    this.tmpRoot = join(ctx.root.path, 'build', 'tmp');
  }

  async prune(): Promise<number> {
    const n = this.cache.clear();
    await this.ctx.images.collectGarbage();
    return n;
  }

  async build(spec: BuildSpec, onEvent: (e: BuildEvent) => void = () => undefined): Promise<BuildResult> {
    const context = resolve(spec.context);
    if (!existsSync(context)) throw new TscError('BUILD_CONTEXT_NOT_FOUND', `build context ${context} does not exist`);
    const dockerfileName = spec.dockerfile ?? 'Dockerfile';
    const dockerfilePath = isAbsolute(dockerfileName) ? dockerfileName : join(context, dockerfileName);
    let text = spec.dockerfileInline;
    if (text === undefined) {
      if (!existsSync(dockerfilePath)) throw new TscError('DOCKERFILE_NOT_FOUND', `failed to read dockerfile: open ${dockerfilePath}: no such file or directory`);
      text = readFileSync(dockerfilePath, 'utf8');
    }
    const graph = parseBuildGraph(text, spec.dockerfileInline !== undefined ? 'Dockerfile' : basename(dockerfileName));
    if (spec.network !== undefined && !['default', 'host', 'none'].includes(spec.network)) {
      throw new TscError('BUILD_NETWORK_UNSUPPORTED', `build network "${spec.network}": RUN steps of the embedded builder use default, host or none`);
    }
    for (const w of graph.warnings) onEvent({ type: 'warning', message: w });
    await mkdir(this.cache.dir, { recursive: true, mode: 0o700 });
    await mkdir(this.tmpRoot, { recursive: true, mode: 0o700 });
    await removeStaleBuildContainers(this.ctx.root.path, this.ctx.runtime);
    await removeStaleWorkspaces(this.tmpRoot);

    const ignoreFile = [`${dockerfilePath}.dockerignore`, join(context, '.dockerignore')].find((f) => existsSync(f));
    const contextTree: SourceTree = { dir: context, kind: 'context', ignore: ignoreFile ? parseDockerignore(readFileSync(ignoreFile, 'utf8')) : [], label: 'build context' };
    const buildArgs = new Map(Object.entries(spec.args ?? {}));
    const meta = metaArgValues(graph, buildArgs);
    // BuildKit's automatic platform args: this machine is both the build and the target platform.
    for (const [k, v] of Object.entries(platformArgs())) if (!meta.has(k)) meta.set(k, buildArgs.get(k) ?? v);
    const target = targetStage(graph, spec.target);
    const stages = neededStages(graph, target, meta);
    const used = new Set<string>([...PROXY_ARGS, ...graph.metaArgs.flatMap((a) => a.args.map((x) => x.name))]);
    for (const s of stages) for (const ins of s.instructions) if (ins.kind === 'ARG') for (const a of ins.args) used.add(a.name);
    const unused = [...buildArgs.keys()].filter((k) => !used.has(k));
    if (unused.length) onEvent({ type: 'warning', message: `One or more build-args [${unused.join(' ')}] were not consumed` });

    const counters = { ran: 0, cached: 0, step: 0 };
    // The first failing stage stops the others (their RUN containers are killed); its error is the one reported.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    const outer = spec.signal;
    outer?.addEventListener('abort', onAbort);
    let firstError: unknown;
    spec = { ...spec, signal: stop.signal };
    const results = new Map<Stage, Promise<StageState>>();
    const files = new FileSteps({ ctx: this.ctx, cache: this.cache, tmpRoot: this.tmpRoot, graph, spec, contextTree, buildArgs, onEvent, counters, stageState: (s) => results.get(s)!, findStageFor: (ref, before) => findNeeded(graph, stages, ref, before) });
    const runStage = async (stage: Stage): Promise<StageState> => {
      try {
        await Promise.all(stageDependencies(graph, stage, meta).map((d) => results.get(d)));
        return await this.buildStage(graph, stage, stages, meta, buildArgs, files, results);
      } catch (error) {
        firstError ??= error;
        stop.abort();
        throw error;
      }
    };
    for (const s of stages) results.set(s, runStage(s));
    // Every stage settles before the build reports: a failure leaves no RUN container running.
    await Promise.allSettled([...results.values()]);
    outer?.removeEventListener('abort', onAbort);
    if (firstError !== undefined) throw firstError;
    const final = await results.get(target)!;
    const imageId = await this.commit(final, spec);
    return { imageId, ran: counters.ran, cached: counters.cached };
  }

  private async buildStage(graph: BuildGraph, stage: Stage, stages: Stage[], meta: ReadonlyMap<string, string>, buildArgs: ReadonlyMap<string, string>, files: FileSteps, results: Map<Stage, Promise<StageState>>): Promise<StageState> {
    const label = stage.name ?? `stage-${stage.index}`;
    const ref = expand(graph, stage.from.line, stage.from.image, meta);
    const platform = stage.from.platform && expand(graph, stage.from.line, stage.from.platform, meta);
    if (platform && platform !== `linux/${goArch()}`) {
      throw new DockerfileError(graph.file, stage.from.line, `FROM --platform=${platform}: the embedded builder builds for this machine only (linux/${goArch()})`, 'BUILD_PLATFORM_UNSUPPORTED');
    }
    let state: StageState = { ...(await this.baseState(graph, stage, ref, stages, results, files)), stageIndex: stage.index };
    const instructions = [...await files.onBuildTriggers(state, stage), ...stage.instructions];
    // As BuildKit counts: FROM and the steps that change files; metadata steps are config only.
    const total = 1 + instructions.filter((i) => FILE_STEPS.has(i.kind)).length;
    files.announce(label, 1, total, `FROM ${ref}${stage.name ? ` AS ${stage.name}` : ''}`);
    let step = 1;
    for (const ins of instructions) {
      const meta2 = applyMetadata(graph, state, ins, buildArgs, meta);
      if (meta2) {
        state = { ...meta2, history: [...state.history, { created: state.created, created_by: `${ins.original} # buildkit`, comment: 'buildkit.dockerfile.v0', empty_layer: true }] };
        continue;
      }
      state = await files.run(state, ins, { label, step: ++step, total });
    }
    return state;
  }

  private async baseState(graph: BuildGraph, stage: Stage, ref: string, stages: Stage[], results: Map<Stage, Promise<StageState>>, files: FileSteps): Promise<Omit<StageState, 'stageIndex'>> {
    const fresh = { args: new Map<string, string | undefined>(), cmdFromBase: true };
    if (ref === 'scratch') {
      return { key: chainKey('scratch'), layers: [], config: {}, history: [], created: new Date(0).toISOString(), os: 'linux', architecture: goArch(), ...fresh };
    }
    const base = findNeeded(graph, stages, ref, stage.index);
    if (base) return { ...(await results.get(base)!), ...fresh };
    const image = await files.baseImage(ref, stage.from.line);
    return { ...image, ...fresh };
  }

  private async commit(state: StageState, spec: BuildSpec): Promise<string> {
    const config = { ...state.config };
    if (spec.labels && Object.keys(spec.labels).length) config.Labels = { ...(config.Labels ?? {}), ...spec.labels };
    const image = {
      architecture: state.architecture, os: state.os, ...(state.variant ? { variant: state.variant } : {}),
      created: state.created, config, rootfs: { type: 'layers', diff_ids: state.layers.map((l) => l.diffId) }, history: state.history,
    };
    const refs = spec.tags.map((t) => formatReference(parseReference(t)));
    return this.ctx.images.commitImage(Buffer.from(JSON.stringify(image)), state.layers.map((l) => ({ blob: l.blob, mediaType: l.mediaType })), { refs });
  }
}

function platformArgs(): Record<string, string> {
  const arch = goArch();
  const out: Record<string, string> = {};
  for (const p of ['BUILD', 'TARGET']) Object.assign(out, { [`${p}PLATFORM`]: `linux/${arch}`, [`${p}OS`]: 'linux', [`${p}ARCH`]: arch, [`${p}VARIANT`]: '' });
  return out;
}

function findNeeded(graph: BuildGraph, stages: Stage[], ref: string, before: number): Stage | undefined {
  const lower = ref.toLowerCase();
  const s = graph.stages.find((x) => x.index < before && (x.name === lower || (/^\d+$/.test(ref) && x.index === Number(ref))));
  return s && stages.includes(s) ? s : undefined;
}

