// `up` / `create` as a plan: networks and volumes to create, and per container
// create, recreate (with what changed), start or leave running; scale down and
// orphans removed. Pure: (project, observed state, options) → Plan.
import type { ServiceConfig } from '../compose/model.js';
import { TscError } from '../util/errors.js';
import { buildContainerSpec } from './container-spec.js';
import { assertKeySupport } from './key-support.js';
import { diffServiceConfigs } from './config-diff.js';
import { dependenciesFromProject, orderServices, transitiveDependencies } from './dependencies.js';
import type { ObservedContainer, ObservedProject } from './observe.js';
import { PlanBuilder } from './plan-types.js';
import type { Plan, WaitCondition } from './plan-types.js';
import { planProjectResources } from './plan-resources.js';
import type { StackProject } from './stack-project.js';
import { serviceConfigHash } from '../compose/config-hash.js';
import { containerName, LABEL } from './labels.js';

export interface UpPlanOptions {
  /** Services named on the command line (all when empty). */
  services?: string[];
  noDeps?: boolean;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  /** Dependencies are recreated only when they changed unless this is set. */
  alwaysRecreateDeps?: boolean;
  /** `up -V`: a recreated container gets new anonymous volumes instead of its predecessor's. */
  renewAnonVolumes?: boolean;
  noStart?: boolean;
  removeOrphans?: boolean;
  /** `--scale web=3`. */
  scale?: Record<string, number>;
  /** Seconds to wait for a container to stop (stop and recreate). */
  timeout?: number;
  /**
   * Image ID of each service's image as the store has it now (after pulls):
   * a container made from another image is recreated, as Compose does.
   */
  imageIds?: Record<string, string>;
}

type RecreatePolicy = 'diverged' | 'force' | 'never';

export function planUp(stack: StackProject, observed: ObservedProject, opts: UpPlanOptions = {}): Plan {
  const { project } = stack;
  const b = new PlanBuilder();
  const deps = dependenciesFromProject(project);
  const named = opts.services ?? [];
  for (const s of [...named, ...Object.keys(opts.scale ?? {})]) {
    if (!(s in project.services)) throw new TscError('NO_SUCH_SERVICE', `no such service: ${s}`);
  }
  const targets = new Set(named.length > 0 ? named : Object.keys(project.services));
  const selected = new Set(targets);
  if (!opts.noDeps) for (const s of targets) for (const d of transitiveDependencies(deps, s)) selected.add(d);

  // Refusals before anything is planned; what is applied in part is said once per run.
  b.warnings.push(...assertKeySupport(project, selected));
  const resourceSteps = planProjectResources(b, stack, observed);

  const orphans = observed.containers.filter((c) => !(c.service in project.services));
  if (orphans.length > 0 && opts.removeOrphans) {
    for (const c of orphans) {
      b.add({ kind: 'Container', name: c.name, service: c.service, action: { op: 'container-remove', container: c, stop: c.running, timeoutSeconds: opts.timeout, reason: 'orphan' } });
    }
  } else if (orphans.length > 0) {
    b.warnings.push(`Found orphan containers ([${orphans.map((c) => c.name).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
  }

  const stepsOf = new Map<string, string[]>();
  for (const name of orderServices(deps, selected)) {
    const service = project.services[name]!;
    const policy: RecreatePolicy = opts.noRecreate ? 'never'
      : opts.forceRecreate && (targets.has(name) || opts.alwaysRecreateDeps) ? 'force' : 'diverged';
    const after = [...resourceSteps];
    for (const d of transitiveDependencies(deps, name)) after.push(...(stepsOf.get(d) ?? []));
    stepsOf.set(name, planService(b, stack, service, observed, { ...opts, policy, after, replicas: replicasOf(service, opts.scale) }));
  }
  return b.build(project.name);
}

/** Only the project's networks and volumes (what `run` needs before its container). */
export function planResources(stack: StackProject, observed: ObservedProject): Plan {
  const b = new PlanBuilder();
  planProjectResources(b, stack, observed);
  return b.build(stack.project.name);
}

export function replicasOf(service: ServiceConfig, scale?: Record<string, number>): number {
  const flag = scale?.[service.name];
  if (flag !== undefined) return flag;
  if (service.deploy?.mode === 'global') return 1;
  return service.scale ?? service.deploy?.replicas ?? 1;
}

interface ServicePlanOptions extends UpPlanOptions {
  policy: RecreatePolicy;
  after: string[];
  replicas: number;
}

function planService(b: PlanBuilder, stack: StackProject, service: ServiceConfig, observed: ObservedProject, opts: ServicePlanOptions): string[] {
  const hash = serviceConfigHash(service);
  if (service.container_name && opts.replicas > 1) {
    throw new TscError('COMPOSE_INVALID', `services.${service.name}: can't set container_name and ${service.name} as container name must be unique: invalid compose project`);
  }
  const imageId = opts.imageIds?.[service.name];
  const imageChanged = (c: ObservedContainer) => imageId !== undefined && c.imageId !== '' && c.imageId !== imageId;
  const leftAside = (c: ObservedContainer) => isLeftAside(c, service.container_name ?? containerName(stack.project.name, service.name, c.number));
  const obsolete = (c: ObservedContainer) => opts.policy === 'force' || leftAside(c) || (opts.policy === 'diverged' && (c.configHash !== hash || imageChanged(c)));
  // Scale down removes obsolete containers first, then the highest numbers (as Compose).
  const existing = observed.containers.filter((c) => c.service === service.name)
    .sort((x, y) => Number(obsolete(y)) - Number(obsolete(x)) || y.number - x.number);
  const excess = Math.max(0, existing.length - opts.replicas);
  const ids: string[] = [];
  for (const c of existing.slice(0, excess)) {
    ids.push(b.add({ kind: 'Container', name: c.name, service: service.name, action: { op: 'container-remove', container: c, stop: c.running, timeoutSeconds: opts.timeout, reason: 'scale down' } }));
  }
  const waitFor: WaitCondition[] = Object.entries(service.depends_on ?? {})
    .filter(([d]) => d !== service.name)
    .map(([d, cfg]) => ({ service: d, condition: cfg.condition ?? 'service_started', required: cfg.required !== false, ...(cfg.restart === true ? { restart: true } : {}) }));
  const common = { kind: 'Container' as const, service: service.name, after: opts.after, ...(waitFor.length > 0 ? { waitFor } : {}) };
  const keep = existing.slice(excess).sort((x, y) => x.number - y.number);
  for (const c of keep) {
    if (obsolete(c)) {
      const built = buildContainerSpec(stack, service, { number: c.number, imageId });
      const spec = { ...built, labels: { ...built.labels, [LABEL.replace]: c.id } };
      const changes = explainRecreate(c, service, opts.policy, c.configHash !== hash);
      if (opts.policy !== 'force' && imageChanged(c)) changes.push(`image: ${c.imageId} → ${imageId}`);
      if (opts.policy !== 'force' && leftAside(c)) changes.push(`name: ${c.name} → ${spec.name} (a recreate was interrupted)`);
      const action = { op: 'container-recreate' as const, old: c, spec, tempName: recreateTempName(c.id, spec.name), start: !opts.noStart, changes, inheritVolumes: !opts.renewAnonVolumes, timeoutSeconds: opts.timeout };
      ids.push(b.add({ ...common, name: c.name, action }));
    } else if (c.running) {
      ids.push(b.add({ ...common, name: c.name, action: { op: 'container-running', container: c } }));
    } else if (!opts.noStart) {
      ids.push(b.add({ ...common, name: c.name, action: { op: 'container-start', container: c } }));
    } else {
      ids.push(b.add({ ...common, name: c.name, action: { op: 'container-running', container: c } }));
    }
  }
  let next = Math.max(0, ...existing.map((c) => c.number)) + 1;
  for (let i = keep.length; i < opts.replicas; i++) {
    const spec = buildContainerSpec(stack, service, { number: next++, imageId });
    ids.push(b.add({ ...common, name: spec.name, action: { op: 'container-create', spec, start: !opts.noStart } }));
  }
  return ids;
}

/** Compose's name for a recreated container until its predecessor is gone: `<old id[:12]>_<name>`. */
export function recreateTempName(oldId: string, name: string): string {
  return `${oldId.slice(0, 12)}_${name}`;
}

/** Still under its temporary name: a recreate was stopped before the rename (such a container is recreated). */
function isLeftAside(c: ObservedContainer, name: string): boolean {
  return c.name === recreateTempName(c.name.slice(0, 12), name) && /^[0-9a-f]{12}_/.test(c.name);
}

function explainRecreate(c: ObservedContainer, service: ServiceConfig, policy: RecreatePolicy, configChanged: boolean): string[] {
  if (policy === 'force') return ['--force-recreate'];
  if (!configChanged) return [];
  if (!c.serviceConfig) return ['configuration changed (the container has no record of its old configuration)'];
  let before: unknown;
  try {
    before = JSON.parse(c.serviceConfig);
  } catch {
    return ['configuration changed'];
  }
  const changes = diffServiceConfigs(before, JSON.parse(JSON.stringify(service)));
  return changes.length > 0 ? changes : ['configuration changed'];
}
