// Which services each service depends on: from the project, or, when there is
// no Compose file (`down -p x`), from the containers' depends_on labels.
import type { Project } from '../compose/model.js';
import { LABEL } from './labels.js';
import type { ObservedContainer } from './observe.js';

export type DependencyMap = Map<string, string[]>;

export function dependenciesFromProject(project: Project): DependencyMap {
  const map: DependencyMap = new Map();
  for (const [name, svc] of Object.entries(project.services)) {
    map.set(name, Object.keys(svc.depends_on ?? {}).filter((d) => d !== name && d in project.services));
  }
  return map;
}

/** `db:service_started:false,cache:service_healthy:true` labels → the map. */
export function dependenciesFromLabels(containers: readonly ObservedContainer[]): DependencyMap {
  const map: DependencyMap = new Map();
  for (const c of containers) {
    const deps = (c.labels[LABEL.dependsOn] ?? '').split(',').map((d) => d.split(':')[0]!).filter((d) => d && d !== c.service);
    map.set(c.service, [...new Set([...(map.get(c.service) ?? []), ...deps])]);
  }
  return map;
}

/** Every service `service` depends on, directly or not. */
export function transitiveDependencies(map: DependencyMap, service: string): Set<string> {
  const seen = new Set<string>();
  const queue = [...(map.get(service) ?? [])];
  while (queue.length > 0) {
    const next = queue.pop()!;
    if (seen.has(next) || next === service) continue;
    seen.add(next);
    queue.push(...(map.get(next) ?? []));
  }
  return seen;
}

/** Every service that depends on `service`, directly or not. */
export function transitiveDependents(map: DependencyMap, service: string): Set<string> {
  const out = new Set<string>();
  for (const name of map.keys()) if (name !== service && transitiveDependencies(map, name).has(service)) out.add(name);
  return out;
}

/** Services ordered dependencies first (ties by name); cycles were rejected by the loader. */
export function orderServices(map: DependencyMap, services: Iterable<string>): string[] {
  const wanted = [...new Set(services)].sort();
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (s: string, path: Set<string>) => {
    if (done.has(s) || path.has(s)) return;
    path.add(s);
    for (const d of [...(map.get(s) ?? [])].sort()) visit(d, path);
    done.add(s);
    out.push(s);
  };
  for (const s of wanted) visit(s, new Set());
  const keep = new Set(wanted);
  return out.filter((s) => keep.has(s));
}
