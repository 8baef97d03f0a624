// The one place that decides, for every attribute of a service (and the
// network options this engine cannot honour), whether it is applied, refused
// with an error, or applied in part with a warning. Nothing a Compose file
// says is dropped without a word: an attribute missing from the table is
// refused as unknown.
import type { Project, ServiceConfig } from '../compose/model.js';
import { entryPos } from '../compose/source.js';
import { networksByPriority } from './spec-network.js';
import { ComposeError, ComposeErrors, formatPath } from '../util/errors.js';
import type { ComposePath } from '../util/errors.js';

/** What one attribute's value gives: nothing (applied), a refusal, or a warning. */
type Verdict = { refuse: string } | { warn: string } | undefined;
type Rule = (value: unknown, service: ServiceConfig) => Verdict | Verdict[];

const APPLIED: Rule = () => undefined;
const refuse = (why: string): Rule => () => ({ refuse: why });
const SWARM_ONLY = 'is used by Swarm only; ignored on a single engine, as Docker Compose does';

const NAMESPACE_REF = /^(service|container):.+$/;

/** The host's platform as OCI names it (Node's `x64` is `amd64`). */
const HOST_ARCH = normalizeArch(process.arch);

function normalizeArch(arch: string | undefined): string | undefined {
  return ({ x64: 'amd64', x86_64: 'amd64', aarch64: 'arm64', ia32: '386', arm: 'arm' } as Record<string, string>)[arch ?? ''] ?? arch;
}

const SERVICE_KEYS: Record<string, Rule> = {
  // Model and lifecycle (loader, planner, CLI)
  profiles: APPLIED, extends: APPLIED, depends_on: APPLIED, scale: APPLIED, develop: APPLIED, build: APPLIED,
  image: APPLIED, pull_policy: APPLIED, container_name: APPLIED, restart: APPLIED, healthcheck: APPLIED,
  post_start: APPLIED, pre_stop: APPLIED, attach: APPLIED, label_file: APPLIED, env_file: APPLIED,
  // Process
  command: APPLIED, entrypoint: APPLIED, environment: APPLIED, working_dir: APPLIED, user: APPLIED, group_add: APPLIED,
  init: APPLIED, stop_signal: APPLIED, stop_grace_period: APPLIED, tty: APPLIED,
  stdin_open: APPLIED,
  labels: APPLIED, annotations: APPLIED, ulimits: APPLIED, sysctls: APPLIED, read_only: APPLIED,
  // Security (caps, seccomp and security_opt are applied by the OCI spec)
  privileged: APPLIED, cap_add: APPLIED, cap_drop: APPLIED, security_opt: APPLIED,
  // Storage
  volumes: APPLIED, volumes_from: APPLIED, tmpfs: APPLIED, shm_size: APPLIED, secrets: APPLIED, configs: APPLIED,
  storage_opt: refuse('per-container storage options need a storage driver with quotas; the embedded engine\'s overlayfs has none'),
  volume_driver: refuse('volume drivers are plugins of the Docker Engine; the embedded engine has only local volumes'),
  // Network
  networks: APPLIED, network_mode: APPLIED, ports: APPLIED, expose: APPLIED, links: APPLIED, extra_hosts: APPLIED,
  dns: APPLIED, dns_search: APPLIED, dns_opt: APPLIED, hostname: APPLIED, domainname: APPLIED,
  external_links: refuse('links to containers outside the project are not supported: put both on one network and use its name'),
  mac_address: macAddressVerdict,
  // Namespaces
  pid: (v) => (v === 'host' || (typeof v === 'string' && NAMESPACE_REF.test(v)) ? undefined : { refuse: `must be host, service:NAME or container:NAME, not ${JSON.stringify(v)}` }),
  ipc: (v) => (v === 'host' || v === 'shareable' || v === 'private' || (typeof v === 'string' && NAMESPACE_REF.test(v))
    ? undefined : { refuse: `must be host, shareable, private, service:NAME or container:NAME, not ${JSON.stringify(v)}` }),
  uts: (v) => (v === 'host' ? undefined : { refuse: `only host is supported, not ${JSON.stringify(v)}` }),
  cgroup: (v) => (v === 'host' || v === 'private' ? undefined : { refuse: `must be host or private, not ${JSON.stringify(v)}` }),
  userns_mode: (v) => (v === 'host' || v === '' ? undefined
    : { refuse: `only host is supported, not ${JSON.stringify(v)}: the embedded engine has no user-namespace remapping yet (see docs/security.md)` }),
  cgroup_parent: refuse('the embedded engine places every container under its own /tscompose cgroup'),
  // Resources
  cpus: APPLIED, cpu_shares: APPLIED, cpu_quota: APPLIED, cpu_period: APPLIED, cpuset: APPLIED,
  mem_limit: APPLIED, mem_reservation: APPLIED, memswap_limit: APPLIED, pids_limit: APPLIED, oom_score_adj: APPLIED,
  oom_kill_disable: (v) => (v === true ? { warn: 'is applied on cgroup v1 hosts only; cgroup v2 has no switch for it (as Docker)' } : undefined),
  mem_swappiness: refuse('memory swappiness is a cgroup v1 knob the embedded engine does not set'),
  cpu_rt_period: refuse('real-time CPU scheduling is not supported by the embedded engine'),
  cpu_rt_runtime: refuse('real-time CPU scheduling is not supported by the embedded engine'),
  cpu_count: refuse('cpu_count is for Windows containers'),
  cpu_percent: refuse('cpu_percent is for Windows containers'),
  blkio_config: APPLIED, // weights need a scheduler with weights: the engine refuses them at start where there is none
  devices: cdiVerdicts, device_cgroup_rules: APPLIED,
  gpus: refuse('GPUs are not supported by the embedded engine (it has no NVIDIA/CDI device support)'),
  deploy: deployVerdicts,
  logging: loggingVerdicts,
  // Other platforms and Docker Engine features
  platform: (v) => (typeof v === 'string' && v.split('/')[0] === 'linux' && normalizeArch(v.split('/')[1]) === HOST_ARCH
    ? undefined : { refuse: `${JSON.stringify(v)} does not match this host (linux/${HOST_ARCH}): the embedded engine runs images of the host's platform only` }),
  runtime: refuse('the embedded engine runs containers with its own OCI runtime (runc or crun); a runtime per service is not supported'),
  isolation: refuse('isolation is for Windows containers'),
  credential_spec: refuse('credential_spec is for Windows containers'),
  use_api_socket: refuse('the embedded engine has no Docker API socket to give a container'),
  provider: refuse('provider services need Docker Compose\'s plugins'),
  models: refuse('model runners need Docker Model Runner'),
};

/** Docker Compose gives a service-level address to the primary network (prepareContainerMACAddress). */
function macAddressVerdict(value: unknown, service: ServiceConfig): Verdict {
  if (service.network_mode) return { refuse: `has no network to apply to with network_mode ${service.network_mode}` };
  const [primary] = networksByPriority(service);
  if (primary?.[1]?.mac_address && primary[1].mac_address !== value) return { refuse: `the service-level mac_address should have the same value as network ${primary[0]}` };
  return undefined;
}

/** A CDI name (`vendor.com/class=name`), which Docker resolves through its CDI registry. */
const CDI_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]*\/[A-Za-z0-9][\w.-]*=[\w.:-]+$/;

function cdiVerdicts(value: unknown): Verdict[] {
  return ((value ?? []) as Array<{ source?: string }>).filter((d) => CDI_NAME.test(d.source ?? ''))
    .map((d) => ({ refuse: `${d.source}: CDI device names are not supported by the embedded engine (it has no CDI registry); give a device path such as /dev/fuse` }));
}

function deployVerdicts(value: unknown): Verdict[] {
  const deploy = (value ?? {}) as Record<string, unknown>;
  const out: Verdict[] = [];
  for (const key of ['placement', 'update_config', 'rollback_config', 'endpoint_mode']) {
    if (deploy[key] !== undefined) out.push({ warn: `(deploy.${key}) ${SWARM_ONLY}` });
  }
  const reservations = ((deploy.resources ?? {}) as Record<string, Record<string, unknown> | undefined>).reservations ?? {};
  if (reservations.devices !== undefined) out.push({ refuse: 'deploy.resources.reservations.devices (GPUs and other device requests) is not supported by the embedded engine' });
  if (reservations.generic_resources !== undefined) out.push({ refuse: 'deploy.resources.reservations.generic_resources is for Swarm' });
  return out;
}

/** Drivers whose log the engine keeps itself (conmon's k8s-file log, read back by `logs`). */
export const LOG_DRIVERS = ['json-file', 'local', 'none'] as const;
const LOG_OPTIONS = new Set(['max-size', 'max-file']);

function loggingVerdicts(value: unknown): Verdict[] {
  const logging = (value ?? {}) as { driver?: string; options?: Record<string, string> };
  const driver = logging.driver ?? 'json-file';
  if (!(LOG_DRIVERS as readonly string[]).includes(driver)) {
    return [{ refuse: `logging driver "${driver}" is not supported by the embedded engine: use json-file, local or none` }];
  }
  const out: Verdict[] = [];
  for (const [key, v] of Object.entries(logging.options ?? {})) {
    if (!LOG_OPTIONS.has(key)) out.push({ warn: `logging option ${key} is not applied: the embedded engine honours max-size and max-file` });
    else if (key === 'max-file' && !/^[1-9][0-9]*$/.test(String(v))) out.push({ refuse: `logging option max-file must be a positive number, not ${JSON.stringify(v)}` });
  }
  return out;
}

export interface KeySupportResult {
  errors: ComposeError[];
  warnings: string[];
}

/** Verdicts on the given services of `project` (all when none are named) and on its networks. */
export function checkKeySupport(project: Project, services: Iterable<string> = Object.keys(project.services)): KeySupportResult {
  const errors: ComposeError[] = [];
  const warnings: string[] = [];
  for (const name of services) {
    const service = project.services[name];
    if (!service) continue;
    for (const [key, value] of Object.entries(service)) {
      if (key.startsWith('x-') || value === undefined) continue;
      const rule = SERVICE_KEYS[key] ?? refuse('is not a service attribute the embedded engine knows');
      const path: ComposePath = ['services', name, key];
      for (const verdict of [rule(value, service)].flat()) {
        if (!verdict) continue;
        if ('refuse' in verdict) errors.push(new ComposeError(`${formatPath(path)}: ${verdict.refuse}`, { pos: entryPos(service, key), path, code: 'UNSUPPORTED_KEY' }));
        else warnings.push(`${formatPath(path)} ${verdict.warn}`);
      }
    }
    checkPorts(service, name, errors);
  }
  checkNetworks(project, errors);
  return { errors, warnings };
}

/** Throws every refusal at once. */
export function assertKeySupport(project: Project, services?: Iterable<string>): string[] {
  const { errors, warnings } = checkKeySupport(project, services);
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new ComposeErrors(errors);
  return warnings;
}

const IPV6_REFUSAL = 'IPv6 is not supported by the embedded engine yet (its bridges, NAT and resolver are IPv4 only)';

function checkPorts(service: ServiceConfig, name: string, errors: ComposeError[]): void {
  (service.ports ?? []).forEach((port, i) => {
    if (port.host_ip?.includes(':')) {
      const path = ['services', name, 'ports', i];
      errors.push(new ComposeError(`${formatPath(path)}: host address ${port.host_ip}: ${IPV6_REFUSAL}; publish on an IPv4 address`, { pos: entryPos(service.ports, i), path, code: 'UNSUPPORTED_KEY' }));
    }
  });
  for (const [network, cfg] of Object.entries(service.networks ?? {})) {
    if (cfg?.ipv6_address) {
      const path = ['services', name, 'networks', network, 'ipv6_address'];
      errors.push(new ComposeError(`${formatPath(path)}: ${IPV6_REFUSAL}`, { pos: entryPos(cfg, 'ipv6_address'), path, code: 'UNSUPPORTED_KEY' }));
    }
  }
}

function checkNetworks(project: Project, errors: ComposeError[]): void {
  for (const [key, network] of Object.entries(project.networks)) {
    if (network.external) continue;
    if (network.enable_ipv6 === true) {
      const path = ['networks', key, 'enable_ipv6'];
      errors.push(new ComposeError(`${formatPath(path)}: ${IPV6_REFUSAL}`, { pos: entryPos(network, 'enable_ipv6'), path, code: 'UNSUPPORTED_KEY' }));
    }
    (network.ipam?.config ?? []).forEach((pool, i) => {
      if (pool.subnet?.includes(':')) {
        const path = ['networks', key, 'ipam', 'config', i, 'subnet'];
        errors.push(new ComposeError(`${formatPath(path)}: subnet ${pool.subnet}: ${IPV6_REFUSAL}`, { pos: entryPos(pool, 'subnet'), path, code: 'UNSUPPORTED_KEY' }));
      }
    });
  }
}
