// The steps that change files: RUN (a container), COPY/ADD (files written
// into the workspace) and WORKDIR (the directory made), each looked up in the
// build cache by its chain key before it runs, and committed as a layer.
import type { BuildEvent, BuildSpec } from '../../../engine/types.js';
import { DockerfileError } from '../../../build/errors.js';
import type { Instruction } from '../../../build/instructions.js';
import { parseDockerfile } from '../../../build/parse.js';
import { toInstruction } from '../../../build/instructions.js';
import { expand, type BuildGraph, type Stage } from '../../../build/stages.js';
import { TscError } from '../../../util/errors.js';
import type { ContainerContext } from '../containers/context.js';
import type { BuildCache } from './cache.js';
import { makeDirs } from './copy-into.js';
import type { SourceTree } from './source-tree.js';
import { chainKey, expansionEnv, type StageState } from './state.js';
import { absoluteIn } from './steps.js';
import { Workspace, type LayerRef } from './workspace.js';
import { prepareCopy } from './copy-prepare.js';
import { prepareRun } from './run-prepare.js';

export interface FileStepsOptions {
  ctx: ContainerContext;
  cache: BuildCache;
  tmpRoot: string;
  graph: BuildGraph;
  spec: BuildSpec;
  contextTree: SourceTree;
  buildArgs: ReadonlyMap<string, string>;
  onEvent: (e: BuildEvent) => void;
  counters: { ran: number; cached: number; step: number };
  stageState: (s: Stage) => Promise<StageState>;
  findStageFor: (ref: string, before: number) => Stage | undefined;
}

interface StepPlace { label: string; step: number; total: number }

export interface PreparedStep {
  key: string;
  describe: Partial<StageState>;
  execute: (ws: Workspace, id: number) => Promise<void>;
  /** Releases what preparing opened (source mounts, heredoc files), hit or miss. */
  release?: () => Promise<void>;
}

export class FileSteps {
  constructor(readonly o: FileStepsOptions) {}

  /** A step that runs nothing (FROM, metadata): reported, and done at once. */
  announce(label: string, step: number, total: number, text: string): void {
    const id = ++this.o.counters.step;
    this.o.onEvent({ type: 'step', stage: label, step: id, total, text: `[${label} ${step}/${total}] ${text}`, cached: false });
    this.o.onEvent({ type: 'step-done', step: id, text, cached: false, ms: 0 });
  }

  async baseImage(ref: string, line: number): Promise<Omit<StageState, 'args' | 'cmdFromBase' | 'stageIndex'>> {
    const named = this.o.spec.additionalContexts?.[ref];
    const imageRef = named?.startsWith('docker-image://') ? named.slice('docker-image://'.length) : ref;
    const found = await this.baseImageLayers(imageRef, ref, line);
    const d = found.details;
    return {
      key: chainKey('image', found.id), layers: found.layers.map((l) => ({ diffId: l.diffId, blob: l.blob, mediaType: l.mediaType })),
      config: { ...d.config }, history: found.history.map((h) => ({ created: h.created ?? d.created, created_by: h.created_by ?? '', ...(h.comment ? { comment: h.comment } : {}), ...(h.empty_layer ? { empty_layer: true } : {}) })),
      created: d.created, os: d.os, architecture: d.architecture,
    };
  }

  /**
   * The layers of a FROM image: from the store, pulled first when it is missing
   * there or `build --pull` asks for a newer one (as Docker's builders do).
   */
  private async baseImageLayers(imageRef: string, ref: string, line: number): Promise<Awaited<ReturnType<ContainerContext['images']['imageLayers']>>> {
    const images = this.o.ctx.images;
    const pull = async () => {
      try {
        await images.pull(imageRef);
      } catch (error) {
        const why = error instanceof TscError ? error.message : String(error);
        throw new DockerfileError(this.o.graph.file, line, `FROM ${ref}: ${why}`, 'BUILD_BASE_NOT_FOUND');
      }
    };
    if (this.o.spec.pull) await pull();
    try {
      return await images.imageLayers(imageRef);
    } catch (error) {
      if (!(error instanceof TscError && error.code === 'IMAGE_NOT_FOUND') || this.o.spec.pull) throw error;
    }
    await pull();
    return images.imageLayers(imageRef);
  }

  /** ONBUILD triggers of the base image, run first (as Docker does). */
  async onBuildTriggers(state: StageState, stage: Stage): Promise<Instruction[]> {
    const triggers = state.config.OnBuild ?? [];
    if (!triggers.length) return [];
    state.config = { ...state.config, OnBuild: null };
    return triggers.map((t) => {
      const raw = parseDockerfile(t, this.o.graph.file).instructions[0]!;
      return toInstruction({ ...raw, line: stage.from.line }, this.o.graph.file);
    });
  }

  async run(state: StageState, ins: Instruction, place: StepPlace): Promise<StageState> {
    this.o.spec.signal?.throwIfAborted();
    const started = Date.now();
    const { key, describe, execute, release } = await this.prepare(state, ins);
    try {
      return await this.runPrepared(state, ins, place, started, key, describe, execute);
    } finally {
      await release?.();
    }
  }

  private async runPrepared(state: StageState, ins: Instruction, place: StepPlace, started: number, key: string, describe: Partial<StageState>, execute: PreparedStep['execute']): Promise<StageState> {
    const id = ++this.o.counters.step;
    const hit = this.o.spec.noCache ? undefined : this.o.cache.get(key);
    this.o.onEvent({ type: 'step', stage: place.label, step: id, total: place.total, text: `[${place.label} ${place.step}/${place.total}] ${ins.original}`, cached: !!hit });
    let layer: LayerRef | undefined;
    let created: string;
    if (hit) {
      this.o.counters.cached++;
      layer = hit.layer;
      created = hit.created;
    } else {
      const ws = await Workspace.open(this.o.ctx.images, this.o.tmpRoot, state.layers);
      const now = new Date().toISOString();
      try {
        await execute(ws, id);
        await ws.unmount();
        // The layer is stored and pinned by its cache record before any image GC can see it.
        layer = await this.o.ctx.images.withStoreLock('build commit', async () => {
          const made = await ws.commit(this.o.ctx.images);
          this.o.cache.put(key, { ...(made ? { layer: made } : {}), created: now });
          return made;
        });
      } finally {
        await ws.close();
      }
      created = now;
      this.o.counters.ran++;
    }
    this.o.onEvent({ type: 'step-done', step: id, text: ins.original, cached: !!hit, ms: Date.now() - started });
    return {
      ...state, ...describe, key, created,
      layers: layer ? [...state.layers, layer] : state.layers,
      history: [...state.history, { created, created_by: `${ins.original} # buildkit`, comment: 'buildkit.dockerfile.v0', ...(layer ? {} : { empty_layer: true }) }],
    };
  }

  fail(ins: Instruction, message: string, code = 'BUILD_STEP_FAILED'): never {
    throw new DockerfileError(this.o.graph.file, ins.line, message, code);
  }

  private async prepare(state: StageState, ins: Instruction): Promise<PreparedStep> {
    const env = expansionEnv(state);
    const x = (w: string) => expand(this.o.graph, ins.line, w, env);
    switch (ins.kind) {
      case 'WORKDIR': {
        const dir = absoluteIn(state, x(ins.value)).replace(/(.)\/$/, '$1');
        const describe = { config: { ...state.config, WorkingDir: dir } };
        return { key: chainKey(state.key, 'WORKDIR', dir), describe, execute: (ws) => makeDirs(ws.rootfs, dir, undefined) };
      }
      case 'RUN':
        return prepareRun(this, state, ins);
      case 'COPY':
      case 'ADD':
        return prepareCopy(this, state, ins, x);
      default:
        return this.fail(ins, `${ins.kind} cannot be used here`);
    }
  }

  /** The tree a `from=`/`--from` names: the context, a named context, a stage's rootfs or an image's. */
  async treeFor(state: StageState, from: string | undefined, ins: Instruction, opened: Workspace[], x: (w: string) => string = (w) => w): Promise<SourceTree> {
    if (!from) return this.o.contextTree;
    const ref = x(from);
    const named = this.o.spec.additionalContexts?.[ref];
    if (named && !named.startsWith('docker-image://')) return { dir: named, kind: 'context', ignore: [], label: `context "${ref}"` };
    let layers: LayerRef[];
    const stage = named ? undefined : this.o.findStageFor(ref, state.stageIndex);
    if (stage) layers = (await this.o.stageState(stage)).layers;
    else {
      const imageRef = named ? named.slice('docker-image://'.length) : ref;
      try {
        layers = (await this.o.ctx.images.imageLayers(imageRef)).layers;
      } catch {
        return this.fail(ins, `--from=${ref}: no stage, named context or local image has that name`, 'BUILD_FROM_NOT_FOUND');
      }
    }
    const ws = await Workspace.open(this.o.ctx.images, this.o.tmpRoot, layers);
    opened.push(ws);
    return { dir: ws.rootfs, kind: 'rootfs', ignore: [], label: stage ? `stage ${ref}` : `image ${ref}` };
  }

}
