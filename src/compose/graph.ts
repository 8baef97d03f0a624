// The dependency graph of a project's services, from depends_on (normalize
// has already folded links, volumes_from and `service:x` namespaces into it).
// A cycle is a ComposeError that names it, at the depends_on entry that closes it.
import { DepGraph } from 'dependency-graph';
import { ComposeError, TscError } from '../util/errors.js';
import type { Project, ServiceConfig } from './model.js';
import { keyPos } from './source.js';

export function buildDependencyGraph(project: Project): DepGraph<ServiceConfig> {
  const graph = new DepGraph<ServiceConfig>();
  const names = Object.keys(project.services).sort();
  for (const name of names) graph.addNode(name, project.services[name]!);
  for (const name of names) {
    const dependsOn = project.services[name]!.depends_on ?? {};
    for (const [dep, config] of Object.entries(dependsOn)) {
      if (graph.hasNode(dep)) {
        if (dep !== name) graph.addDependency(name, dep);
      } else if (config.required !== false) {
        throw new ComposeError(`service ${JSON.stringify(name)} depends on undefined service ${JSON.stringify(dep)}: invalid compose project`, {
          pos: keyPos(dependsOn, dep),
          path: ['services', name, 'depends_on', dep],
        });
      }
    }
  }
  const cycle = findCycle(project, names);
  if (cycle) {
    const [from, to] = cycle.slice(-2) as [string, string];
    const dependsOn = project.services[from]!.depends_on;
    throw new ComposeError(`dependency cycle: ${cycle.join(' → ')}`, {
      code: 'COMPOSE_DEPENDENCY_CYCLE',
      pos: keyPos(dependsOn, to),
      path: ['services', from, 'depends_on', to],
    });
  }
  return graph;
}

/** The first cycle met walking services in name order, as `[a, b, …, a]`. */
function findCycle(project: Project, names: string[]): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of Object.keys(project.services[name]?.depends_on ?? {}).sort()) {
      if (!(dep in project.services)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of names) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

/** Services in start order, dependencies first; with `services`, only those and what they depend on. */
export function startOrder(graph: DepGraph<ServiceConfig>, services?: readonly string[]): string[] {
  const order = graph.overallOrder();
  if (!services || services.length === 0) return order;
  const wanted = new Set<string>();
  for (const name of services) {
    if (!graph.hasNode(name)) throw new TscError('NO_SUCH_SERVICE', `no such service: ${name}`);
    wanted.add(name);
    for (const dep of graph.dependenciesOf(name)) wanted.add(dep);
  }
  return order.filter((name) => wanted.has(name));
}

/** Services in stop order: dependents first; with `services`, only those and what depends on them. */
export function stopOrder(graph: DepGraph<ServiceConfig>, services?: readonly string[]): string[] {
  const order = graph.overallOrder().reverse();
  if (!services || services.length === 0) return order;
  const wanted = new Set<string>();
  for (const name of services) {
    if (!graph.hasNode(name)) throw new TscError('NO_SUCH_SERVICE', `no such service: ${name}`);
    wanted.add(name);
    for (const dep of graph.dependantsOf(name)) wanted.add(dep);
  }
  return order.filter((name) => wanted.has(name));
}
