// Resource limits, ulimits, healthcheck and restart policy of a service.
import type { ServiceConfig } from '../compose/model.js';
import { containerName } from './labels.js';
import type { StackProject } from './stack-project.js';
import type { ContainerSpec, HealthcheckSpec, RestartPolicySpec } from '../engine/types.js';
import { TscError } from '../util/errors.js';
import { parseBytes, parseDurationMs } from './units.js';

export function serviceResources(service: ServiceConfig): ContainerSpec['resources'] {
  const limits = service.deploy?.resources?.limits;
  const reservations = service.deploy?.resources?.reservations;
  const cpus = service.cpus ?? (limits?.cpus !== undefined ? Number(limits.cpus) : undefined);
  const memory = service.mem_limit ?? limits?.memory;
  const reservation = service.mem_reservation ?? reservations?.memory;
  const resources: NonNullable<ContainerSpec['resources']> = {};
  if (cpus) resources.nanoCpus = Math.round(cpus * 1e9);
  if (memory !== undefined) resources.memoryBytes = parseBytes(memory);
  if (service.memswap_limit !== undefined) resources.memorySwapBytes = parseBytes(service.memswap_limit);
  if (reservation !== undefined) resources.memoryReservationBytes = parseBytes(reservation);
  const pids = service.pids_limit ?? limits?.pids;
  if (pids !== undefined) resources.pidsLimit = pids;
  if (typeof service.cpu_shares === 'number') resources.cpuShares = service.cpu_shares;
  if (typeof service.cpuset === 'string') resources.cpusetCpus = service.cpuset;
  if (typeof service.cpu_quota === 'number') resources.cpuQuota = service.cpu_quota;
  if (typeof service.cpu_period === 'number') resources.cpuPeriod = service.cpu_period;
  return Object.keys(resources).length > 0 ? resources : undefined;
}

export function serviceUlimits(service: ServiceConfig): ContainerSpec['ulimits'] {
  if (!service.ulimits) return undefined;
  const out: NonNullable<ContainerSpec['ulimits']> = {};
  for (const [name, value] of Object.entries(service.ulimits)) {
    out[name] = typeof value === 'number' ? { soft: value, hard: value } : { soft: value.soft, hard: value.hard };
  }
  return out;
}

export function serviceHealthcheck(service: ServiceConfig): HealthcheckSpec | undefined {
  const hc = service.healthcheck;
  if (!hc) return undefined;
  if (hc.disable) return { test: ['NONE'] };
  const spec: HealthcheckSpec = { test: [...(hc.test ?? [])] };
  if (hc.interval) spec.intervalMs = parseDurationMs(hc.interval);
  if (hc.timeout) spec.timeoutMs = parseDurationMs(hc.timeout);
  if (hc.retries !== undefined) spec.retries = hc.retries;
  if (hc.start_period) spec.startPeriodMs = parseDurationMs(hc.start_period);
  if (hc.start_interval) spec.startIntervalMs = parseDurationMs(hc.start_interval);
  return spec;
}

/**
 * As Docker Compose's getRestartPolicy: `deploy.restart_policy` when present
 * (it overrides `restart:`), else `restart:`. Conditions map as Compose maps
 * them (any → always, none → no); delay and window are Swarm's and, as with
 * Docker Compose, not used by a single engine.
 */
export function serviceRestartPolicy(service: ServiceConfig): RestartPolicySpec | undefined {
  const policy = service.deploy?.restart_policy;
  if (policy) {
    const name = restartPolicyName(service, policy.condition ?? 'no');
    return policy.max_attempts !== undefined && name === 'on-failure' ? { name, maximumRetryCount: policy.max_attempts } : { name };
  }
  if (!service.restart) return undefined;
  const [condition, count] = service.restart.split(':');
  const name = restartPolicyName(service, condition!);
  return count !== undefined ? { name, maximumRetryCount: Number(count) } : { name };
}

function restartPolicyName(service: ServiceConfig, condition: string): RestartPolicySpec['name'] {
  switch (condition) {
    case 'no': case 'none': return 'no';
    case 'always': case 'any': return 'always';
    case 'on-failure': return 'on-failure';
    case 'unless-stopped': return 'unless-stopped';
    default:
      throw new TscError('INVALID_RESTART', `service "${service.name}": invalid restart policy "${condition}": use no, always, on-failure[:N] or unless-stopped (deploy.restart_policy.condition: none, on-failure or any)`);
  }
}

/** stop_grace_period in whole seconds, as Docker's StopTimeout. */
export function serviceStopTimeout(service: ServiceConfig): number | undefined {
  return service.stop_grace_period ? Math.floor(parseDurationMs(service.stop_grace_period) / 1000) : undefined;
}

/** pid, ipc, uts and cgroup namespaces; `service:x` becomes the container of x (its first replica), as network_mode does. */
export function serviceNamespaces(stack: StackProject, service: ServiceConfig): Pick<ContainerSpec, 'pidMode' | 'ipcMode' | 'utsMode' | 'cgroupnsMode'> {
  const ref = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return undefined;
    if (!value.startsWith('service:')) return value;
    const target = value.slice('service:'.length);
    const other = stack.project.services[target];
    return `container:${other?.container_name ?? containerName(stack.project.name, target, 1)}`;
  };
  const out: Pick<ContainerSpec, 'pidMode' | 'ipcMode' | 'utsMode' | 'cgroupnsMode'> = {};
  const pid = ref(service.pid);
  if (pid) out.pidMode = pid;
  const ipc = ref(service.ipc);
  if (ipc) out.ipcMode = ipc;
  if (service.uts === 'host') out.utsMode = 'host';
  if (service.cgroup === 'host' || service.cgroup === 'private') out.cgroupnsMode = service.cgroup;
  return out;
}

/** `logging:` as the engine keeps logs (key-support.ts has refused other drivers). */
export function serviceLog(service: ServiceConfig): ContainerSpec['log'] {
  const logging = service.logging;
  if (!logging) return undefined;
  const driver = (logging.driver ?? 'json-file') as NonNullable<ContainerSpec['log']>['driver'];
  const log: NonNullable<ContainerSpec['log']> = { driver };
  const size = logging.options?.['max-size'];
  if (size !== undefined && size !== '-1') log.maxSizeBytes = parseBytes(size);
  const files = logging.options?.['max-file'];
  if (files !== undefined) log.maxFile = Number(files);
  return log;
}

/** blkio_config as the engine's BlkioSpec (rates in bytes or operations a second). */
export function serviceBlkio(service: ServiceConfig): ContainerSpec['blkio'] {
  const b = service.blkio_config as Record<string, unknown> | undefined;
  if (!b) return undefined;
  const rates = (key: string) => (Array.isArray(b[key]) ? (b[key] as Array<{ path: string; rate: string | number }>) : undefined)
    ?.map((d) => ({ path: d.path, rate: typeof d.rate === 'number' ? d.rate : parseBytes(d.rate) }));
  const out: NonNullable<ContainerSpec['blkio']> = {};
  if (typeof b.weight === 'number') out.weight = b.weight;
  if (Array.isArray(b.weight_device)) out.weightDevice = (b.weight_device as Array<{ path: string; weight: number }>).map((d) => ({ path: d.path, weight: d.weight }));
  const set = (field: 'readBps' | 'writeBps' | 'readIops' | 'writeIops', key: string) => {
    const list = rates(key);
    if (list?.length) out[field] = list;
  };
  set('readBps', 'device_read_bps');
  set('writeBps', 'device_write_bps');
  set('readIops', 'device_read_iops');
  set('writeIops', 'device_write_iops');
  return Object.keys(out).length > 0 ? out : undefined;
}
