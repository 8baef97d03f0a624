// Profiles (compose-go Project.WithProfiles / WithServicesEnabled): a service
// without `profiles` is always active, one with profiles only when one of them
// is enabled (`*` enables all). Services named on the command line enable
// their own profiles and those of what they depend on. Disabled services are
// removed; then the references of the active ones are checked (compose-go
// checks consistency after profiles, so a disabled service may refer to
// anything).
import { throwIfAny } from '../util/errors.js';
import { checkConsistency } from './normalize.js';
import { isMap, setSource, sourceOf } from './source.js';
import type { ComposeMap } from './source.js';

export interface ProfileOptions {
  /** `--profile` flags, or COMPOSE_PROFILES split on commas. */
  profiles: string[];
  /** Services named on the command line. */
  services?: string[];
}

export function applyProfiles(tree: ComposeMap, opts: ProfileOptions): ComposeMap {
  const all = isMap(tree.services) ? tree.services : {};
  const enabled = new Set(opts.profiles);
  for (const name of withDependencies(all, opts.services ?? [])) {
    for (const p of profilesOf(all[name])) enabled.add(p);
  }
  const services: ComposeMap = {};
  const disabled: Record<string, { profiles: string[] }> = {};
  for (const [name, service] of Object.entries(all)) {
    if (isActive(service, enabled)) services[name] = service;
    else disabled[name] = { profiles: profilesOf(service) };
  }
  const out: ComposeMap = { ...tree };
  if ('services' in tree) {
    copySource(all, services);
    out.services = services;
  }
  copySource(tree, out);
  throwIfAny(checkConsistency(out, { disabled }));
  return out;
}

/** Every profile named by a service of the tree, sorted. */
export function listProfiles(tree: ComposeMap): string[] {
  const found = new Set<string>();
  for (const service of Object.values(isMap(tree.services) ? tree.services : {})) {
    for (const p of profilesOf(service)) found.add(p);
  }
  return [...found].sort();
}

function isActive(service: unknown, enabled: Set<string>): boolean {
  const profiles = profilesOf(service);
  return profiles.length === 0 || enabled.has('*') || profiles.some((p) => enabled.has(p));
}

function profilesOf(service: unknown): string[] {
  const profiles = isMap(service) ? service.profiles : undefined;
  return Array.isArray(profiles) ? profiles.filter((p): p is string => typeof p === 'string') : [];
}

/** `names` and, transitively, the services they depend on (those that exist). */
function withDependencies(all: ComposeMap, names: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = names.filter((n) => n in all);
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const service = all[name];
    const deps = isMap(service) && isMap(service.depends_on) ? Object.keys(service.depends_on) : [];
    for (const d of deps) if (d in all && !seen.has(d)) queue.push(d);
  }
  return seen;
}

/** Keeps the positions recorded for a mapping and its entries. */
function copySource(from: object, to: object): void {
  const src = sourceOf(from);
  if (src) setSource(to, src);
}
