// What each service needs before its containers can be made: pull its image,
// build it, or nothing, with the reason. Pure, with Docker Compose's rules:
// `--pull` (up/create/run) or `--policy` (pull) replaces every service's
// pull_policy; `--build` makes buildable services build; then
//   always → pull; never → nothing (the image must be there); build → build;
//   daily / weekly / every_<d> / refresh → pull when the last pull is older;
//   missing (default) → pull when absent (a buildable service builds when the pull fails).
// A service with `build:` and no `image:` builds under its default name `<project>-<service>`.
import type { ServiceConfig } from '../compose/model.js';
import { TscError } from '../util/errors.js';
import { parseDurationMs } from './units.js';

export type ImageAction = 'pull' | 'build' | 'none';

export interface ImageDecision {
  service: string;
  image: string;
  action: ImageAction;
  reason: string;
  /** A pull that fails falls back to a build (the service has `build:`). */
  buildOnPullFailure?: boolean;
  /** `platform:` of the service. */
  platform?: string;
}

export interface LocalImage {
  present: boolean;
  /** ISO 8601 time of the last pull of this reference. */
  lastPulled?: string;
}

export interface PlanImagesOptions {
  project: string;
  /** `--pull` of up/create/run, `--policy` of pull: replaces every service's pull_policy. */
  policy?: string;
  /** `up --build`: buildable services build. */
  build?: boolean;
  /** By image reference as the service writes it. */
  local: Record<string, LocalImage | undefined>;
  /** Milliseconds since the epoch. */
  now: number;
}

const FLAG_POLICIES = ['always', 'missing', 'never', 'build', 'if_not_present', 'refresh', 'daily', 'weekly'];

export function checkPullPolicyFlag(value: string, flag = '--pull'): string {
  if (FLAG_POLICIES.includes(value) || /^every_(\d+[wdhms])+$/.test(value)) return value === 'if_not_present' ? 'missing' : value;
  throw new TscError('CLI_USAGE', `invalid ${flag} option "${value}": use always, missing or never`);
}

/** The image reference of a service: its `image:`, or the name a build gives it. */
export function serviceImageName(project: string, service: ServiceConfig): string {
  return service.image ?? `${project}-${service.name}`;
}

export function planImages(services: readonly ServiceConfig[], opts: PlanImagesOptions): ImageDecision[] {
  return services.map((service) => decide(service, opts));
}

function decide(service: ServiceConfig, opts: PlanImagesOptions): ImageDecision {
  const image = serviceImageName(opts.project, service);
  const platform = (service as { platform?: string }).platform;
  const base = { service: service.name, image, ...(platform ? { platform } : {}) };
  const local = opts.local[image];
  const present = local?.present === true;
  const buildable = service.build !== undefined;
  let policy = opts.policy ?? service.pull_policy ?? 'missing';
  if (opts.build && buildable) policy = 'build';
  if (policy === 'if_not_present') policy = 'missing';
  if (!service.image) {
    if (!buildable) throw new TscError('NO_IMAGE', `service "${service.name}" has neither an image nor a build section: set \`image:\``);
    if (policy === 'build' || !present) return { ...base, action: 'build', reason: policy === 'build' ? `pull_policy build` : 'no image: built from build:' };
    return { ...base, action: 'none', reason: 'built image present' };
  }
  switch (policy) {
    case 'always':
      return { ...base, action: 'pull', reason: 'pull_policy always', ...(buildable ? { buildOnPullFailure: true } : {}) };
    case 'never':
      return { ...base, action: 'none', reason: present ? 'present (pull_policy never)' : 'missing, and pull_policy never forbids pulling' };
    case 'build':
      return { ...base, action: buildable ? 'build' : 'none', reason: buildable ? 'pull_policy build' : 'pull_policy build, but no build: section' };
    case 'missing':
      if (present) return { ...base, action: 'none', reason: 'present' };
      return { ...base, action: 'pull', reason: 'missing', ...(buildable ? { buildOnPullFailure: true } : {}) };
    default: {
      const every = refreshInterval(policy, service);
      if (!present) return { ...base, action: 'pull', reason: 'missing', ...(buildable ? { buildOnPullFailure: true } : {}) };
      const last = local?.lastPulled ? Date.parse(local.lastPulled) : NaN;
      if (Number.isNaN(last)) return { ...base, action: 'pull', reason: `pull_policy ${policy}: never pulled` };
      if (opts.now - last >= every) return { ...base, action: 'pull', reason: `pull_policy ${policy}: last pulled ${local!.lastPulled}` };
      return { ...base, action: 'none', reason: `pull_policy ${policy}: pulled ${local!.lastPulled}` };
    }
  }
}

const UNIT_MS: Record<string, number> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** Milliseconds between pulls for daily, weekly, every_<duration>, refresh (pull_refresh_after). */
export function refreshInterval(policy: string, service?: ServiceConfig): number {
  if (policy === 'daily') return UNIT_MS.d!;
  if (policy === 'weekly') return UNIT_MS.w!;
  if (policy === 'refresh') {
    const after = (service as { pull_refresh_after?: string } | undefined)?.pull_refresh_after;
    if (!after) throw new TscError('COMPOSE_INVALID', `services.${service?.name}.pull_policy: refresh needs pull_refresh_after`);
    return parseDurationMs(after);
  }
  const m = /^every_((?:\d+[wdhms])+)$/.exec(policy);
  if (!m) throw new TscError('COMPOSE_INVALID', `unknown pull_policy "${policy}": use always, missing, never, build, daily, weekly or every_<duration>`);
  let total = 0;
  for (const part of m[1]!.matchAll(/(\d+)([wdhms])/g)) total += Number(part[1]) * UNIT_MS[part[2]!]!;
  return total;
}

/**
 * `tscompose pull`: every service with an image is pulled, whatever its
 * refresh policy, except `never` and `build` (skipped), and `missing` when
 * the image is there (as `docker compose pull`).
 */
export function planPulls(services: readonly ServiceConfig[], opts: Omit<PlanImagesOptions, 'build' | 'now'> & { ignoreBuildable?: boolean }): ImageDecision[] {
  return services.map((service): ImageDecision => {
    const platform = (service as { platform?: string }).platform;
    const base = { service: service.name, image: serviceImageName(opts.project, service), ...(platform ? { platform } : {}) };
    if (!service.image) return { ...base, action: 'none', reason: 'Skipped - No image to be pulled' };
    let policy = opts.policy ?? service.pull_policy ?? '';
    if (policy === 'if_not_present') policy = 'missing';
    if (policy === 'never' || policy === 'build') return { ...base, action: 'none', reason: 'Skipped' };
    if (policy === 'missing' && opts.local[base.image]?.present) return { ...base, action: 'none', reason: 'Skipped - Image is already present locally' };
    if (service.build !== undefined && opts.ignoreBuildable) return { ...base, action: 'none', reason: 'Skipped - Image can be built' };
    return { ...base, action: 'pull', reason: policy ? `pull_policy ${policy}` : 'pull', ...(service.build !== undefined ? { buildOnPullFailure: true } : {}) };
  });
}
