// The steps that change files: RUN (a container), COPY/ADD (files written
// into the workspace) and WORKDIR (the directory made), each looked up in the
// build cache by its chain key before it runs, and committed as a layer.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { BuildEvent, BuildSpec } from '../../../engine/types.js';
import { isIgnored, parseDockerignore } from '../../../build/dockerignore.js';
import { DockerfileError } from '../../../build/errors.js';
import type { Instruction } from '../../../build/instructions.js';
import { parseDockerfile } from '../../../build/parse.js';
import { toInstruction } from '../../../build/instructions.js';
import { expand, type BuildGraph, type Stage } from '../../../build/stages.js';
import { TscError } from '../../../util/errors.js';
import type { ContainerContext } from '../containers/context.js';
import type { ResolvedMount } from '../runtime/oci-spec.js';
import { resolveUser } from '../runtime/user.js';
import { openDecompressed } from '../snapshots/decompress.js';
import { unpackTar } from '../snapshots/unpack-tar.js';
import { resolveInRoot } from '../volumes/scoped-path.js';
import type { BuildCache } from './cache.js';
import { copyEntries, isDirIn, makeDirs, type CopyOwner } from './copy-into.js';
import { parseRunMount } from './run-mounts.js';
import { runStep } from './run-step.js';
import { checksumEntries, matchSources, resolveSource, SourceError, walkSource, type SourceTree } from './source-tree.js';
import { chainKey, expansionEnv, type StageState } from './state.js';
import { absoluteIn, runEnvironment, shellOf } from './steps.js';
import { Workspace, type LayerRef } from './workspace.js';

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

interface PreparedStep {
  key: string;
  describe: Partial<StageState>;
  execute: (ws: Workspace, id: number) => Promise<void>;
  /** Releases what preparing opened (source mounts, heredoc files), hit or miss. */
  release?: () => Promise<void>;
}

/** The last lines of a failed step's output, for its error. */
const TAIL_LINES = 10;

export class FileSteps {
  constructor(private readonly o: FileStepsOptions) {}

  /** A step that runs nothing (FROM, metadata): reported, and done at once. */
  announce(label: string, step: number, total: number, text: string): void {
    const id = ++this.o.counters.step;
    this.o.onEvent({ type: 'step', stage: label, step: id, total, text: `[${label} ${step}/${total}] ${text}`, cached: false });
    this.o.onEvent({ type: 'step-done', step: id, text, cached: false, ms: 0 });
  }

  async baseImage(ref: string, line: number): Promise<Omit<StageState, 'args' | 'cmdFromBase'>> {
    const named = this.o.spec.additionalContexts?.[ref];
    const imageRef = named?.startsWith('docker-image://') ? named.slice('docker-image://'.length) : ref;
    let found;
    try {
      found = await this.o.ctx.images.imageLayers(imageRef);
    } catch (error) {
      if (error instanceof TscError && error.code === 'IMAGE_NOT_FOUND') {
        throw new DockerfileError(this.o.graph.file, line, `FROM ${ref}: no such image in the local store; pulling for builds is not available yet: \`tscompose pull\` or \`image load\` it first`, 'BUILD_BASE_NOT_FOUND');
      }
      throw error;
    }
    const d = found.details;
    return {
      key: chainKey('image', found.id), layers: found.layers.map((l) => ({ diffId: l.diffId, blob: l.blob, mediaType: l.mediaType })),
      config: { ...d.config }, history: found.history.map((h) => ({ created: h.created ?? d.created, created_by: h.created_by ?? '', ...(h.comment ? { comment: h.comment } : {}), ...(h.empty_layer ? { empty_layer: true } : {}) })),
      created: d.created, os: d.os, architecture: d.architecture,
    };
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

  private fail(ins: Instruction, message: string, code = 'BUILD_STEP_FAILED'): never {
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
        return this.prepareRun(state, ins);
      case 'COPY':
      case 'ADD':
        return this.prepareCopy(state, ins, x);
      default:
        return this.fail(ins, `${ins.kind} cannot be used here`);
    }
  }

  private async prepareRun(state: StageState, ins: Extract<Instruction, { kind: 'RUN' }>) {
    let argv: string[];
    if ('exec' in ins.cmd) argv = ins.cmd.exec;
    else if (ins.heredocs.length === 1 && /^<<-?\s*["']?\w[\w-]*["']?$/.test(ins.cmd.shell)) argv = [...shellOf(state), ins.heredocs[0]!.content];
    else argv = [...shellOf(state), ins.heredocs.length ? `${ins.cmd.shell}\n${ins.heredocs.map((h) => `${h.content}${h.name}\n`).join('')}` : ins.cmd.shell];
    const network = ins.network ?? this.o.spec.network ?? 'default';
    if (!['default', 'host', 'none'].includes(network)) this.fail(ins, `RUN network "${network}" is not supported by the embedded builder (default, host or none)`, 'BUILD_NETWORK_UNSUPPORTED');
    if (ins.security && ins.security !== 'sandbox') this.fail(ins, `RUN --security=${ins.security} is not supported by the embedded builder`, 'BUILD_SECURITY_UNSUPPORTED');
    const mounts = ins.mounts.map((m) => {
      try {
        return parseRunMount(m);
      } catch (error) {
        return this.fail(ins, (error as Error).message, (error as TscError).code);
      }
    });
    const { env, keyed } = runEnvironment(state, this.o.buildArgs);
    const key = chainKey(state.key, 'RUN', JSON.stringify(argv), JSON.stringify(keyed), JSON.stringify(ins.mounts), network, state.config.User ?? '', state.config.WorkingDir ?? '');
    const execute = async (ws: Workspace, id: number) => {
      const resolved: ResolvedMount[] = [];
      const extra: Workspace[] = [];
      try {
        for (const m of mounts) {
          if (m.type === 'cache') {
            const dir = join(this.o.ctx.root.path, 'build', 'cache-mounts', chainKey('cache', m.id));
            await mkdir(dir, { recursive: true, mode: 0o755 });
            resolved.push({ type: 'bind', source: dir, target: m.target, options: ['rbind', m.readOnly ? 'ro' : 'rw'] });
          } else if (m.type === 'tmpfs') {
            resolved.push({ type: 'tmpfs', source: 'tmpfs', target: m.target, options: ['nosuid', 'nodev', ...(m.size ? [`size=${m.size}`] : [])] });
          } else if (m.type === 'secret') {
            const file = this.o.spec.secrets?.[m.id];
            if (!file) {
              if (m.required) this.fail(ins, `secret "${m.id}" is required but was not given (services.*.build.secrets)`, 'BUILD_SECRET_MISSING');
              continue;
            }
            resolved.push({ type: 'bind', source: file, target: m.target, options: ['rbind', 'ro'] });
          } else {
            const tree = await this.treeFor(m.from, ins, extra);
            const source = await resolveSource(tree, m.source.replace(/^\/+/, '')).catch((e: Error) => this.fail(ins, `--mount source ${m.source}: ${e.message}`));
            resolved.push({ type: 'bind', source, target: m.target, options: ['rbind', 'ro'] });
          }
        }
        const tail: string[] = [];
        const code = await runStep({
          stateRoot: this.o.ctx.root.path, runtime: this.o.ctx.runtime, dir: ws.dir, rootfs: ws.rootfs, argv, env, imageEnv: state.config.Env ?? [],
          user: state.config.User || undefined, workdir: state.config.WorkingDir || '/', network: network as 'default', extraHosts: this.o.spec.extraHosts,
          shmSizeBytes: this.o.spec.shmSizeBytes, mounts: resolved, signal: this.o.spec.signal, onCopiedUpDir: (p, st) => ws.pruneIfUnchanged(p, st),
          onOutput: (stream, line) => {
            tail.push(line);
            if (tail.length > TAIL_LINES) tail.shift();
            this.o.onEvent({ type: 'output', step: id, stream, line });
          },
        });
        if (code !== 0) {
          const shown = 'exec' in ins.cmd ? JSON.stringify(ins.cmd.exec) : ins.cmd.shell;
          this.fail(ins, `RUN ${shown}: process did not complete successfully: exit code: ${code}${tail.length ? `\n${tail.map((l) => `  > ${l}`).join('\n')}` : ''}`, 'BUILD_RUN_FAILED');
        }
      } finally {
        for (const w of extra) await w.close();
      }
    };
    return { key, describe: {}, execute };
  }

  /** The tree a `from=`/`--from` names: the context, a named context, a stage's rootfs or an image's. */
  private async treeFor(from: string | undefined, ins: Instruction, opened: Workspace[], x: (w: string) => string = (w) => w): Promise<SourceTree> {
    if (!from) return this.o.contextTree;
    const ref = x(from);
    const named = this.o.spec.additionalContexts?.[ref];
    if (named && !named.startsWith('docker-image://')) return { dir: named, kind: 'context', ignore: [], label: `context "${ref}"` };
    let layers: LayerRef[];
    const stage = named ? undefined : this.o.findStageFor(ref, Infinity);
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

  private async prepareCopy(state: StageState, ins: Extract<Instruction, { kind: 'COPY' | 'ADD' }>, x: (w: string) => string) {
    const sources = ins.sources.map(x);
    const destText = x(ins.dest);
    const dest = absoluteIn(state, destText);
    if (ins.kind === 'ADD') {
      if (ins.checksum) this.fail(ins, 'ADD --checksum applies to URLs, which the embedded builder does not fetch', 'BUILD_ADD_URL');
      const url = sources.find((s) => /^(https?|git|ssh):\/\/|^git@|\.git(#.*)?$/.test(s));
      if (url) this.fail(ins, `ADD ${url}: remote sources are not fetched by the embedded builder (it builds offline); download the file in a RUN step, or COPY a local copy`, 'BUILD_ADD_URL');
    }
    if (ins.chmod !== undefined && !/^[0-7]{3,4}$/.test(x(ins.chmod))) this.fail(ins, `--chmod=${ins.chmod}: only octal modes (e.g. 0755) are supported`, 'BUILD_CHMOD_INVALID');
    const mode = ins.chmod !== undefined ? parseInt(x(ins.chmod), 8) : undefined;
    const chown = ins.chown !== undefined ? x(ins.chown) : undefined;
    const excludes = ins.excludes.length ? parseDockerignore(ins.excludes.map(x).join('\n')) : [];
    const heredocNames = new Map<string, (typeof ins.heredocs)[number]>(ins.heredocs.map((h) => [`<<${h.name}`, h]));
    const multi = sources.length > 1 || sources.some((s) => /[*?[]/.test(s));
    if (multi && !dest.endsWith('/')) this.fail(ins, `When using ${ins.kind} with more than one source file, the destination must be a directory and end with a /`);

    // The sources are resolved now, for the cache key; the workspace is written later.
    const opened: Workspace[] = [];
    const jobs: Array<{ tree: SourceTree; rel: string; isDir: boolean; archive: boolean }> = [];
    const keyParts: string[] = [ins.kind, dest, chown ?? '', String(mode ?? ''), ins.excludes.join(',')];
    let heredocTree: SourceTree | undefined;
    try {
      const tree = await this.treeFor(ins.kind === 'COPY' ? ins.from : undefined, ins, opened, x);
      for (const source of sources) {
        const heredoc = heredocNames.get(source.replace(/^<<-?/, '<<').replace(/["']/g, ''));
        let t = tree;
        let rels: string[];
        if (heredoc) {
          heredocTree ??= { dir: join(this.o.tmpRoot, `${process.pid}-heredoc-${Date.now()}-${Math.random().toString(36).slice(2)}`), kind: 'context', ignore: [], label: 'heredoc' };
          await mkdir(heredocTree.dir, { recursive: true, mode: 0o700 });
          await writeFile(join(heredocTree.dir, heredoc.name), heredoc.expand ? x(heredoc.content) : heredoc.content, { mode: 0o644 });
          t = heredocTree;
          rels = [heredoc.name];
        } else {
          rels = await matchSources(tree, source).catch((e: Error) => this.fail(ins, e instanceof SourceError ? `failed to compute cache key: ${e.message}` : e.message, 'BUILD_SOURCE_INVALID'));
          // --exclude applies to what a wildcard matched as to what a directory holds.
          if (excludes.length) rels = rels.filter((r) => !isIgnored(excludes, r) && !isIgnored(excludes, posix.basename(r)));
        }
        for (const rel of rels) {
          const entries = await walkSource(t, rel, excludes).catch((e: Error) => this.fail(ins, e.message, 'BUILD_SOURCE_INVALID'));
          const isDir = entries[0]!.st.isDirectory();
          const archive = ins.kind === 'ADD' && !isDir && t.kind === 'context' && !heredoc && (await isArchive(entries[0]!.host));
          jobs.push({ tree: t, rel, isDir, archive });
          keyParts.push(`${rel}\0${await checksumEntries(entries)}`);
        }
      }
    } catch (error) {
      for (const w of opened) await w.close();
      if (heredocTree) await rm(heredocTree.dir, { recursive: true, force: true });
      throw error;
    }
    const key = chainKey(state.key, ...keyParts);
    const cleanup = async () => {
      for (const w of opened) await w.close();
      if (heredocTree) await rm(heredocTree.dir, { recursive: true, force: true });
    };
    const execute = async (ws: Workspace) => {
      {
        const owner = chown !== undefined ? ownerIn(ws.rootfs, chown, ins, this.o.graph.file) : undefined;
        const destIsDir = dest.endsWith('/') || (await isDirIn(ws.rootfs, dest));
        for (const job of jobs) {
          if (job.archive) {
            await makeDirs(ws.rootfs, dest, owner);
            await this.unpackInto(ws, job, dest, owner, mode);
            continue;
          }
          const entries = await walkSource(job.tree, job.rel, excludes);
          const target = job.isDir ? dest : destIsDir ? posix.join(dest, posix.basename(job.rel)) : dest;
          await makeDirs(ws.rootfs, job.isDir ? target : posix.dirname(target), owner);
          const keepOwner = job.tree.kind === 'rootfs';
          // A directory source copies its contents: its own entry becomes the (existing) destination.
          await copyEntries(ws.rootfs, job.isDir ? entries.slice(1) : entries, target, { owner, keepOwner, mode });
        }
      }
    };
    return { key, describe: {}, execute, release: cleanup };
  }

  private async unpackInto(ws: Workspace, job: { tree: SourceTree; rel: string }, dest: string, owner: CopyOwner | undefined, mode: number | undefined): Promise<void> {
    const host = await resolveSource(job.tree, job.rel);
    const tmp = join(ws.dir, 'archive');
    await mkdir(tmp, { mode: 0o755 });
    try {
      await unpackTar(await openDecompressed(host), tmp);
      const tree: SourceTree = { dir: tmp, kind: 'rootfs', ignore: [], label: 'archive' };
      const entries = await walkSource(tree, '');
      await copyEntries(ws.rootfs, entries.slice(1), dest.replace(/\/$/, '') || '/', { owner, keepOwner: true, mode });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

/** --chown user[:group] resolved against the destination's /etc/passwd and /etc/group (read inside its root). */
function ownerIn(rootfs: string, chown: string, ins: Instruction, file: string): CopyOwner {
  const read = (p: string) => {
    const host = resolveInRoot(rootfs, p);
    try {
      return existsSync(host) ? readFileSync(host, 'utf8') : '';
    } catch {
      return '';
    }
  };
  try {
    const u = resolveUser(chown, { passwd: read('/etc/passwd'), group: read('/etc/group') });
    return { uid: u.uid, gid: u.gid };
  } catch (error) {
    throw new DockerfileError(file, ins.line, `--chown=${chown}: ${(error as Error).message}`, 'BUILD_CHOWN_INVALID');
  }
}

/** A tar (plain, gzip, bzip2 or xz) that ADD unpacks, by its first bytes. */
async function isArchive(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return true;
    return bytesRead >= 262 && buf.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await fh.close();
  }
}
