// Finding a project's containers the way Compose does: by its labels, named
// `web-1` in output, picked by service and `--index`.
import type { ContainerSummary, Engine } from '../../engine/types.js';
import { LABEL } from '../../stack/labels.js';
import { ExitCodeError, TscError } from '../../util/errors.js';
import { loadProjectFor, projectNameHint } from '../context.js';
import type { GlobalOptions } from '../global-options.js';

export interface ProjectRef {
  name: string;
  /** Services of the loaded Compose files; undefined when only the name was given (`-p`). */
  services?: string[];
}

/** `-p` / COMPOSE_PROJECT_NAME when given (the files need not exist, as in Compose), else the loaded project. */
export function resolveProject(globals: GlobalOptions): ProjectRef {
  const hint = projectNameHint(globals);
  if (hint && globals.file.length === 0) return { name: hint };
  const loaded = loadProjectFor(globals);
  return { name: loaded.name, services: Object.keys(loaded.project?.services ?? {}) };
}

/** Compose's error for a service that is neither in the files nor among the containers. */
export function checkServices(project: ProjectRef, services: string[], containers: ContainerSummary[]): void {
  for (const s of services) {
    // A service of a disabled profile is still known when it has containers (naming it enables its profile).
    const known = project.services?.includes(s) || containers.some((c) => serviceOf(c) === s);
    if (!known) throw new TscError('NO_SUCH_SERVICE', `no such service: ${s}`);
  }
}

export interface ListOptions {
  all?: boolean;
  services?: string[];
  /** Include `run` containers (Compose shows them with -a). */
  oneoff?: boolean;
}

export async function listProjectContainers(engine: Engine, project: string, opts: ListOptions = {}): Promise<ContainerSummary[]> {
  const list = await engine.containers.list({ all: opts.all, labels: { [LABEL.project]: project } });
  return list
    .filter((c) => (opts.oneoff ?? opts.all) || c.labels[LABEL.oneoff] !== 'True')
    .filter((c) => !opts.services?.length || opts.services.includes(serviceOf(c)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function serviceOf(c: ContainerSummary): string {
  return c.labels[LABEL.service] ?? '';
}

/** Compose's log prefix and section name: `web-1` (the name without `<project>-`), or the whole name of a one-off. */
export function shortName(c: ContainerSummary): string {
  const project = c.labels[LABEL.project];
  const number = c.labels[LABEL.containerNumber];
  const service = serviceOf(c);
  if (c.labels[LABEL.oneoff] !== 'True' && service && number) return `${service}-${number}`;
  return project && c.name.startsWith(`${project}-`) && c.labels[LABEL.oneoff] !== 'True' ? c.name.slice(project.length + 1) : c.name;
}

/** The container `--index` of a service picks (1 when not given), as Compose's getSpecifiedContainer. */
export async function serviceContainer(engine: Engine, project: ProjectRef, service: string, opts: { index?: number; all?: boolean } = {}): Promise<ContainerSummary> {
  const containers = await listProjectContainers(engine, project.name, { all: opts.all, services: [service], oneoff: false });
  if (project.services && !project.services.includes(service) && containers.length === 0) {
    throw new TscError('NO_SUCH_SERVICE', `no such service: ${service}`);
  }
  if (containers.length === 0) throw new TscError('SERVICE_NOT_RUNNING', `service "${service}" is not running`);
  const index = opts.index ?? 1;
  const found = containers.find((c) => c.labels[LABEL.containerNumber] === String(index))
    ?? (opts.index === undefined ? containers[0] : undefined);
  if (!found) throw new TscError('SERVICE_NOT_RUNNING', `service "${service}" is not running container #${index}`);
  return found;
}

/** `--index` as a positive integer. */
export function parseIndex(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new TscError('CLI_USAGE', `invalid --index "${value}": give a container number, 1 or more`);
  return n;
}

/** Closes the engine, then exits with `code` when it is not 0 (main() would report 0). */
export async function finish(engine: Engine, code = 0): Promise<void> {
  await engine.close();
  if (code !== 0) throw new ExitCodeError(code);
}
