// `down` as a plan: containers stopped and removed dependents first, then the
// project's networks, and with -v its volumes, with --rmi its images.
// Works without a Compose file: the project's labels say what is there.
import { dependenciesFromLabels, dependenciesFromProject, transitiveDependencies, transitiveDependents } from './dependencies.js';
import type { DependencyMap } from './dependencies.js';
import type { ObservedContainer, ObservedProject } from './observe.js';
import { PlanBuilder } from './plan-types.js';
import type { Plan } from './plan-types.js';
import type { StackProject } from './stack-project.js';

export interface DownPlanOptions {
  removeOrphans?: boolean;
  volumes?: boolean;
  rmi?: 'local' | 'all';
  timeout?: number;
}

export function planDown(stack: StackProject | undefined, observed: ObservedProject, opts: DownPlanOptions = {}): Plan {
  const b = new PlanBuilder();
  const project = stack?.project;
  const inProject = (c: ObservedContainer) => !project || c.service in project.services;
  const all = [...observed.containers, ...observed.oneoffs];
  const orphans = observed.containers.filter((c) => !inProject(c));
  if (orphans.length > 0 && !opts.removeOrphans) {
    b.warnings.push(`Found orphan containers ([${orphans.map((c) => c.name).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
  }
  const doomed = all.filter((c) => inProject(c) || opts.removeOrphans);
  const deps = project ? dependenciesFromProject(project) : dependenciesFromLabels(doomed);
  const containerSteps = addRemovals(b, deps, doomed, (c) => ({ op: 'container-remove', container: c, stop: c.running, volumes: opts.volumes, timeoutSeconds: opts.timeout }));

  const networks = project
    ? Object.values(project.networks).filter((n) => !n.external).map((n) => n.name)
    : Object.keys(observed.networks);
  for (const name of [...new Set(networks)].sort()) {
    if (observed.networks[name]) b.add({ kind: 'Network', name, action: { op: 'network-remove' }, after: containerSteps });
  }
  if (opts.volumes) {
    const volumes = project
      ? Object.values(project.volumes).filter((v) => !v.external).map((v) => v.name)
      : Object.keys(observed.volumes);
    for (const name of [...new Set(volumes)].sort()) {
      if (observed.volumes[name]) b.add({ kind: 'Volume', name, action: { op: 'volume-remove' }, after: containerSteps });
    }
  }
  if (opts.rmi) {
    const images = new Set<string>();
    for (const svc of Object.values(project?.services ?? {})) {
      if (svc.image && opts.rmi === 'all') images.add(svc.image);
      if (!svc.image && svc.build) images.add(`${project!.name}-${svc.name}`);
    }
    if (!project && opts.rmi === 'all') for (const c of doomed) images.add(c.image);
    for (const ref of [...images].sort()) b.add({ kind: 'Image', name: ref, action: { op: 'image-remove' }, after: containerSteps });
  }
  return b.build(observed.name);
}

/**
 * One step per container, a service's steps after those of the services that
 * depend on it (reverse dependency order); returns all step ids.
 */
export function addRemovals(
  b: PlanBuilder,
  deps: DependencyMap,
  containers: readonly ObservedContainer[],
  action: (c: ObservedContainer) => Parameters<PlanBuilder['add']>[0]['action'],
): string[] {
  return addOrdered(b, deps, containers, action, 'reverse');
}

/** Steps per container, ordered by the dependency graph in either direction. */
export function addOrdered(
  b: PlanBuilder,
  deps: DependencyMap,
  containers: readonly ObservedContainer[],
  action: (c: ObservedContainer) => Parameters<PlanBuilder['add']>[0]['action'],
  direction: 'forward' | 'reverse',
): string[] {
  const services = [...new Set(containers.map((c) => c.service))];
  const stepsOf = new Map<string, string[]>();
  const ids: string[] = [];
  const pending = new Set(services);
  // Emit services whose predecessors are all emitted; stable by name.
  while (pending.size > 0) {
    const ready = [...pending].sort().filter((s) => [...before(s)].every((p) => !pending.has(p)));
    const batch = ready.length > 0 ? ready : [[...pending].sort()[0]!];
    for (const s of batch) {
      pending.delete(s);
      const after = [...before(s)].flatMap((p) => stepsOf.get(p) ?? []);
      const own = containers.filter((c) => c.service === s)
        .map((c) => b.add({ kind: 'Container', name: c.name, service: s, action: action(c), after }));
      stepsOf.set(s, own);
      ids.push(...own);
    }
  }
  return ids;

  function before(s: string): Set<string> {
    const related = direction === 'reverse' ? transitiveDependents(deps, s) : transitiveDependencies(deps, s);
    return new Set([...related].filter((r) => services.includes(r)));
  }
}
