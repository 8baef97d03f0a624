// Building the images of services with `build:`, with Docker's plain build
// progress on stderr (`#3 [web 2/4] RUN …`, step output, `#3 CACHED`,
// `#3 DONE 0.4s`). Services whose builds are the same are built once and
// tagged for each.
import type { BuildEvent, BuildService } from '../../engine/types.js';
import { serviceBuildSpec, serviceImageName } from '../../stack/build-spec.js';
import { ExitCodeError, TscError } from '../../util/errors.js';
import { DockerfileError } from '../../build/errors.js';
import type { OpenStack } from './stack-command.js';
import { withSignalHandler } from '../signal-handler.js';

export interface BuildImagesOptions {
  /** Build even when the image exists (`build`, `up --build`, `pull_policy: build`); else only missing images. */
  always?: boolean;
  noCache?: boolean;
  args?: Record<string, string>;
  quiet?: boolean;
  /** `build --pull`: pull the FROM images again. */
  pull?: boolean;
}

/** Builds what `services` (names; all with `build:` when empty) need; resolves with service → image ID of those built. */
export async function buildServiceImages(open: OpenStack, services: string[], opts: BuildImagesOptions = {}): Promise<Record<string, string>> {
  const stack = open.stack;
  if (!stack) return {};
  const builder = open.engine.builder;
  const all = Object.values(stack.project.services).filter((s) => s.build !== undefined && (services.length === 0 || services.includes(s.name)));
  const wanted: typeof all = [];
  for (const s of all) {
    const always = opts.always || s.pull_policy === 'build';
    if (always || !(await open.engine.images.inspect(serviceImageName(stack.project.name, s)))) wanted.push(s);
  }
  if (wanted.length === 0) return {};
  if (!builder) throw new TscError('BUILD_UNSUPPORTED', `the ${open.engine.name} engine cannot build images`);
  const groups = new Map<string, { spec: ReturnType<typeof serviceBuildSpec>; services: string[] }>();
  for (const s of wanted) {
    const spec = serviceBuildSpec(stack, s, { noCache: opts.noCache, args: opts.args });
    const key = JSON.stringify({ ...spec, tags: [] });
    const g = groups.get(key);
    if (g) {
      g.services.push(s.name);
      g.spec.tags = [...new Set([...g.spec.tags, ...spec.tags])];
    } else groups.set(key, { spec, services: [s.name] });
  }
  const out: Record<string, string> = {};
  const started = Date.now();
  // Ctrl-C stops the RUN containers and lets every step clean up before the exit (130).
  const interrupt = new AbortController();
  try {
    return await withSignalHandler(['SIGINT'], () => interrupt.abort(), () => buildGroups(builder, groups, out, started, interrupt.signal, opts));
  } catch (error) {
    if (interrupt.signal.aborted) {
      process.stderr.write('build canceled\n');
      throw new ExitCodeError(130);
    }
    throw error;
  }
}

let stepCounter = 0;

type BuildGroups = Map<string, { spec: ReturnType<typeof serviceBuildSpec>; services: string[] }>;

/** Builds the groups in parallel; a group whose additional_contexts name another group's image waits for it. */
async function buildGroups(builder: BuildService, groups: BuildGroups, out: Record<string, string>, started: number, signal: AbortSignal, opts: BuildImagesOptions): Promise<Record<string, string>> {
  const byTag = new Map<string, Promise<unknown>>();
  const jobs: Array<Promise<unknown>> = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  for (const { spec, services: names } of groups.values()) {
    const job = gate.then(async () => {
      const needs = Object.values(spec.additionalContexts ?? {}).filter((v) => v.startsWith('docker-image://')).map((v) => byTag.get(v.slice('docker-image://'.length)));
      await Promise.all(needs);
      await buildGroup(builder, spec, names, out, started, signal, opts);
    });
    for (const t of spec.tags) byTag.set(t, job);
    jobs.push(job);
  }
  release();
  const settled = await Promise.allSettled(jobs);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return out;
}

async function buildGroup(builder: BuildService, spec: ReturnType<typeof serviceBuildSpec>, names: string[], out: Record<string, string>, started: number, signal: AbortSignal, opts: BuildImagesOptions): Promise<void> {
  const write = (line: string) => {
    if (!opts.quiet) process.stderr.write(`${line}\n`);
  };
  const name = names[0]!;
  const begun = new Map<number, number>();
  // Builds run side by side: their steps are numbered in one sequence, as Docker's progress does.
  const ids = new Map<number, number>();
  const onEvent = (e: BuildEvent) => {
    if (e.type === 'warning') return write(`WARN[0000] ${e.message}`);
    if (e.type === 'step') ids.set(e.step, ++stepCounter);
    const n = ids.get(e.step)!;
    if (e.type === 'step') {
      begun.set(e.step, Date.now());
      write(`#${n} ${e.text.replace(/^\[(\S+) /, (_, label: string) => `[${name}${/^stage-\d+$/.test(label) ? '' : ` ${label}`} `)}`);
    } else if (e.type === 'output') write(`#${n} ${((Date.now() - (begun.get(e.step) ?? started)) / 1000).toFixed(3)} ${e.line}`);
    else write(`#${n} ${e.cached ? 'CACHED' : `DONE ${(e.ms / 1000).toFixed(1)}s`}`);
  };
  try {
    const result = await builder.build({ ...spec, signal, ...(opts.pull ? { pull: true } : {}) }, onEvent);
    for (const n of names) out[n] = result.imageId;
  } catch (error) {
    if (error instanceof DockerfileError) throw new TscError(error.code, `failed to build service "${name}": ${error.format()}`);
    throw error;
  }
  for (const n of names) write(` Service ${n}  Built`);
}
