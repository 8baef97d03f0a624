// start, stop, restart, kill, pause, unpause and rm as plans over the
// containers that exist: no creation, dependency order where Compose keeps it.
import type { Project } from '../compose/model.js';
import { TscError } from '../util/errors.js';
import { dependenciesFromLabels, dependenciesFromProject, transitiveDependencies } from './dependencies.js';
import type { DependencyMap } from './dependencies.js';
import type { ObservedContainer, ObservedProject } from './observe.js';
import { addOrdered } from './plan-down.js';
import { PlanBuilder } from './plan-types.js';
import type { Plan } from './plan-types.js';

export interface LifecycleOptions {
  /** Services named on the command line (all when empty). */
  services?: string[];
  timeout?: number;
}

interface Selection {
  deps: DependencyMap;
  containers: ObservedContainer[];
}

/** The named services' containers (all of the project's when none named). */
function select(project: Project | undefined, observed: ObservedProject, services: string[] = [], withDeps = false): Selection {
  const deps = project ? dependenciesFromProject(project) : dependenciesFromLabels(observed.containers);
  const known = new Set([...deps.keys(), ...observed.containers.map((c) => c.service)]);
  for (const s of services) if (!known.has(s)) throw new TscError('NO_SUCH_SERVICE', `no such service: ${s}`);
  const wanted = new Set(services);
  if (withDeps) for (const s of services) for (const d of transitiveDependencies(deps, s)) wanted.add(d);
  const containers = observed.containers.filter((c) => (wanted.size === 0 ? !project || c.service in project.services : wanted.has(c.service)));
  return { deps, containers };
}

export function planStart(project: Project | undefined, observed: ObservedProject, opts: LifecycleOptions = {}): Plan {
  const b = new PlanBuilder();
  const { deps, containers } = select(project, observed, opts.services);
  addOrdered(b, deps, containers.filter((c) => !c.running), (c) => ({ op: 'container-start', container: c }), 'forward');
  return b.build(observed.name);
}

export function planStop(project: Project | undefined, observed: ObservedProject, opts: LifecycleOptions = {}): Plan {
  const b = new PlanBuilder();
  const { deps, containers } = select(project, observed, opts.services);
  addOrdered(b, deps, containers.filter((c) => c.running), (c) => ({ op: 'container-stop', container: c, timeoutSeconds: opts.timeout }), 'reverse');
  return b.build(observed.name);
}

export function planRestart(project: Project | undefined, observed: ObservedProject, opts: LifecycleOptions & { noDeps?: boolean } = {}): Plan {
  const b = new PlanBuilder();
  const { deps, containers } = select(project, observed, opts.services, !opts.noDeps);
  addOrdered(b, deps, containers, (c) => ({ op: 'container-restart', container: c, timeoutSeconds: opts.timeout }), 'forward');
  return b.build(observed.name);
}

export function planKill(project: Project | undefined, observed: ObservedProject, opts: LifecycleOptions & { signal?: string } = {}): Plan {
  const b = new PlanBuilder();
  const { containers } = select(project, observed, opts.services);
  const signal = opts.signal ?? 'SIGKILL';
  for (const c of containers.filter((x) => x.running)) {
    b.add({ kind: 'Container', name: c.name, service: c.service, action: { op: 'container-kill', container: c, signal } });
  }
  return b.build(observed.name);
}

export function planPause(project: Project | undefined, observed: ObservedProject, opts: LifecycleOptions & { unpause?: boolean } = {}): Plan {
  const b = new PlanBuilder();
  const { containers } = select(project, observed, opts.services);
  for (const c of containers) {
    if (opts.unpause ? c.status !== 'paused' : c.status !== 'running') continue;
    const action = opts.unpause ? { op: 'container-unpause' as const, container: c } : { op: 'container-pause' as const, container: c };
    b.add({ kind: 'Container', name: c.name, service: c.service, action });
  }
  return b.build(observed.name);
}

/** `rm`: stopped containers; with `stop`, running ones are stopped first. */
export function planRemove(project: Project | undefined, observed: ObservedProject, opts: LifecycleOptions & { stop?: boolean; volumes?: boolean } = {}): Plan {
  const b = new PlanBuilder();
  const { deps, containers } = select(project, observed, opts.services);
  const doomed = [...containers.filter((c) => opts.stop || !c.running), ...observed.oneoffs.filter((c) => !c.running && (!opts.services?.length || opts.services.includes(c.service)))];
  addOrdered(b, deps, doomed, (c) => ({ op: 'container-remove', container: c, stop: c.running, volumes: opts.volumes, timeoutSeconds: opts.timeout }), 'reverse');
  return b.build(observed.name);
}
