// The healthcheck a container runs: the service's settings over the image's
// HEALTHCHECK, field by field (as Docker merges them at create), with Docker's
// defaults filled in. `NONE` (or no test at all) means no healthcheck.
import type { HealthcheckSpec, ImageDetails } from '../../../engine/types.js';
import type { ContainerConfigRecord, ContainerRecord } from '../state/containers.js';

export interface ResolvedHealthcheck {
  /** The argv to exec: `CMD-SHELL x` is already `/bin/sh -c x`. */
  cmd: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

export const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0, startIntervalMs: 5_000 } as const;

type ImageHealthcheck = NonNullable<ImageDetails['config']['Healthcheck']>;

const nsToMs = (ns: number | undefined) => (ns ? ns / 1e6 : undefined);

export function resolveHealthcheck(spec: HealthcheckSpec | undefined, image: ImageHealthcheck | undefined): ResolvedHealthcheck | undefined {
  const test = spec?.test?.length ? spec.test : image?.Test ?? [];
  const cmd = testCommand(test);
  if (!cmd) return undefined;
  const pick = (own: number | undefined, fromImage: number | undefined, fallback: number) => (own || fromImage || fallback);
  return {
    cmd,
    intervalMs: pick(spec?.intervalMs, nsToMs(image?.Interval), HEALTH_DEFAULTS.intervalMs),
    timeoutMs: pick(spec?.timeoutMs, nsToMs(image?.Timeout), HEALTH_DEFAULTS.timeoutMs),
    retries: pick(spec?.retries, image?.Retries, HEALTH_DEFAULTS.retries),
    startPeriodMs: pick(spec?.startPeriodMs, nsToMs(image?.StartPeriod), HEALTH_DEFAULTS.startPeriodMs),
    startIntervalMs: pick(spec?.startIntervalMs, nsToMs(image?.StartInterval), HEALTH_DEFAULTS.startIntervalMs),
  };
}

/** `["CMD", argv...]`, `["CMD-SHELL", script]`; undefined for `NONE`, an empty test or an unknown kind (Docker ignores those). */
export function testCommand(test: readonly string[]): string[] | undefined {
  const [kind, ...rest] = test;
  if (kind === 'CMD' && rest.length > 0) return rest;
  if (kind === 'CMD-SHELL' && rest.length > 0) return ['/bin/sh', '-c', rest.join(' ')];
  return undefined;
}

/** The healthcheck of a container record (its spec over its image's config). */
export function recordHealthcheck(record: ContainerRecord): ResolvedHealthcheck | undefined {
  return configHealthcheck(record.config);
}

/** The same from the config alone (it does not change while the container exists). */
export function configHealthcheck(config: ContainerConfigRecord): ResolvedHealthcheck | undefined {
  const image = (config.extra as { imageConfig?: ImageDetails['config'] }).imageConfig;
  return resolveHealthcheck(config.spec.healthcheck, image?.Healthcheck);
}

/** Go's time.Duration text (`1s`, `1.5s`, `500ms`, `1m0s`), as Docker's messages print it. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${trim(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = `${trim((ms % 60_000) / 1000)}s`;
  if (h > 0) return `${h}h${m}m${s}`;
  if (m > 0) return `${m}m${s}`;
  return s;
}

function trim(n: number): string {
  return String(Number(n.toFixed(9)));
}
