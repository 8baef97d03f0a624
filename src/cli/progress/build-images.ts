// Building the images of services with `build:`, with Docker's plain build
// progress on stderr (`#3 [web 2/4] RUN …`, step output, `#3 CACHED`,
// `#3 DONE 0.4s`). Services whose builds are the same are built once and
// tagged for each.
import type { BuildEvent } from '../../engine/types.js';
import { serviceBuildSpec, serviceImageName } from '../../stack/build-spec.js';
import { TscError } from '../../util/errors.js';
import { DockerfileError } from '../../build/errors.js';
import type { OpenStack } from './stack-command.js';
import { dependenciesFromProject, transitiveDependencies } from '../../stack/dependencies.js';

export interface BuildImagesOptions {
  /** Build even when the image exists (`build`, `up --build`, `pull_policy: build`); else only missing images. */
  always?: boolean;
  noCache?: boolean;
  args?: Record<string, string>;
  quiet?: boolean;
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
  const write = (line: string) => {
    if (!opts.quiet) process.stderr.write(`${line}\n`);
  };
  await Promise.all([...groups.values()].map(async ({ spec, services: names }) => {
    const name = names[0]!;
    const begun = new Map<number, number>();
    const onEvent = (e: BuildEvent) => {
      if (e.type === 'warning') write(`WARN[0000] ${e.message}`);
      else if (e.type === 'step') {
        begun.set(e.step, Date.now());
        write(`#${e.step} ${e.text.replace(/^\[(\S+) /, (_, label: string) => `[${name}${/^stage-\d+$/.test(label) ? '' : ` ${label}`} `)}`);
      } else if (e.type === 'output') write(`#${e.step} ${((Date.now() - (begun.get(e.step) ?? started)) / 1000).toFixed(3)} ${e.line}`);
      else write(`#${e.step} ${e.cached ? 'CACHED' : `DONE ${(e.ms / 1000).toFixed(1)}s`}`);
    };
    try {
      const result = await builder.build(spec, onEvent);
      for (const n of names) out[n] = result.imageId;
      if (opts.quiet) process.stdout.write(`${result.imageId}\n`);
    } catch (error) {
      if (error instanceof DockerfileError) throw new TscError(error.code, `failed to build service "${name}": ${error.format()}`);
      throw error;
    }
    for (const n of names) write(` Service ${n}  Built`);
  }));
  return out;
}

/**
 * For up/create/run: builds what `--build` (true: all built services),
 * nothing (false: `--no-build`) or only missing images (undefined) asks, and
 * resolves with the current image ID of every built service among
 * `services` and their dependencies, so the plan recreates containers made
 * from an older build. A dry run builds nothing.
 */
export async function prepareServiceImages(open: OpenStack, services: string[], build: boolean | undefined, withDependencies = true): Promise<Record<string, string>> {
  const stack = open.stack;
  if (!stack) return {};
  const deps = dependenciesFromProject(stack.project);
  const selected = new Set(services.length ? services : Object.keys(stack.project.services));
  if (withDependencies) for (const s of [...selected]) for (const d of transitiveDependencies(deps, s)) selected.add(d);
  const built = build === false || open.globals.dryRun ? {} : await buildServiceImages(open, [...selected], { always: build === true });
  const ids: Record<string, string> = { ...built };
  for (const name of selected) {
    const service = stack.project.services[name];
    if (!service?.build || ids[name]) continue;
    const image = await open.engine.images.inspect(serviceImageName(stack.project.name, service));
    if (image) ids[name] = image.id;
  }
  return ids;
}
