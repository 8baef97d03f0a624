// A loaded project as the Swarm objects `docker stack deploy` makes of it:
// overlay networks, secrets, configs and services (Engine API 1.41 specs),
// all labeled with the stack's namespace. Pure: files are read by the caller.
import type { Project, ServiceConfig } from '../compose/model.js';
import { TscError } from '../util/errors.js';
import { parseBytes, parseDurationMs } from '../stack/units.js';
import { serviceExtraHosts } from '../stack/spec-network.js';
import { serviceUlimits } from '../stack/spec-runtime.js';

export const NAMESPACE_LABEL = 'com.docker.stack.namespace';
export const IMAGE_LABEL = 'com.docker.stack.image';

export interface SwarmNetwork {
  /** Name on the engine. */
  name: string;
  external: boolean;
  spec: Record<string, unknown>;
}

export interface SwarmFileObject {
  kind: 'secret' | 'config';
  /** Key in the Compose file. */
  key: string;
  name: string;
  external: boolean;
  labels: Record<string, string>;
  /** Where its data comes from (read by the caller): a file, an environment variable, inline content. */
  source?: { file: string } | { environment: string } | { content: string };
  driver?: string;
  templateDriver?: string;
}

export interface SwarmService {
  /** Key in the Compose file. */
  key: string;
  name: string;
  /** The image as written: resolving it to a digest is the deploy's business. */
  image: string;
  spec: Record<string, unknown>;
  /** Secrets and configs it references, by file key, to bind to their IDs once they exist. */
  secrets: Array<{ key: string; file: { Name: string; UID: string; GID: string; Mode: number } }>;
  configs: Array<{ key: string; file: { Name: string; UID: string; GID: string; Mode: number } }>;
}

export interface SwarmStack {
  namespace: string;
  networks: SwarmNetwork[];
  files: SwarmFileObject[];
  services: SwarmService[];
  /** Keys set on some service that Swarm cannot apply (as `docker stack deploy` reports them). */
  unsupported: string[];
  deprecated: Record<string, string>;
}

/** docker/cli's list, plus the keys a single engine applies and a service cannot. */
const UNSUPPORTED = [
  'build', 'cgroup_parent', 'depends_on', 'devices', 'domainname', 'external_links', 'ipc', 'links', 'mac_address', 'network_mode', 'pid',
  'privileged', 'security_opt', 'shm_size', 'userns_mode', 'volumes_from', 'cpu_shares', 'cpuset', 'mem_swappiness', 'memswap_limit', 'oom_score_adj',
  'oom_kill_disable', 'runtime', 'storage_opt', 'platform', 'profiles', 'pull_policy', 'post_start', 'pre_stop', 'develop', 'group_add',
];

const DEPRECATED: Record<string, string> = {
  container_name: 'Setting the container name is not supported.',
  expose: "Exposing ports is unnecessary - services on the same network can access each other's containers on any port.",
};

function ns(duration: string | undefined): number | undefined {
  return duration === undefined ? undefined : Math.round(parseDurationMs(duration) * 1_000_000);
}

function bad(service: string, message: string): TscError {
  return new TscError('SWARM_INVALID', `service "${service}": ${message}`);
}

export function convertProject(project: Project, namespace: string): SwarmStack {
  const nsLabels = { [NAMESPACE_LABEL]: namespace };
  const unsupported = new Set<string>();
  const deprecated: Record<string, string> = {};
  const usedNetworks = new Set<string>();
  const services: SwarmService[] = [];
  for (const service of Object.values(project.services)) {
    for (const key of UNSUPPORTED) if (service[key] !== undefined && !(key === 'depends_on' && Object.keys(service.depends_on ?? {}).length === 0)) unsupported.add(key);
    for (const [key, why] of Object.entries(DEPRECATED)) if (service[key] !== undefined) deprecated[key] = why;
    const networks = Object.keys(service.networks ?? { default: null });
    for (const n of networks) usedNetworks.add(n);
    services.push(convertService(project, namespace, service, networks));
  }
  const networks: SwarmNetwork[] = [...usedNetworks].sort().map((key) => {
    const cfg = project.networks[key];
    const name = cfg?.name ?? `${namespace}_${key}`;
    if (cfg?.external) return { name, external: true, spec: {} };
    const ipam = cfg?.ipam;
    return {
      name, external: false,
      spec: dropUndefined({
        Name: name, Driver: cfg?.driver ?? 'overlay', Options: cfg?.driver_opts, Internal: cfg?.internal, Attachable: cfg?.attachable,
        EnableIPv6: cfg?.enable_ipv6, Labels: { ...(cfg?.labels ?? {}), ...nsLabels },
        IPAM: ipam && { Driver: ipam.driver ?? 'default', Options: ipam.options, Config: (ipam.config ?? []).map((c) => ({ Subnet: c.subnet, Gateway: c.gateway, IPRange: c.ip_range, AuxiliaryAddresses: c.aux_addresses })) },
      }),
    };
  });
  const files: SwarmFileObject[] = [];
  const referenced = (kind: 'secrets' | 'configs') => new Set(Object.values(project.services).flatMap((s) => (s[kind] ?? []).map((r) => r.source)));
  for (const [kind, section] of [['secret', project.secrets], ['config', project.configs]] as const) {
    const used = referenced(kind === 'secret' ? 'secrets' : 'configs');
    for (const [key, cfg] of Object.entries(section)) {
      if (!used.has(key)) continue;
      const name = cfg.name ?? `${namespace}_${key}`;
      const source = cfg.file !== undefined ? { file: cfg.file } : cfg.environment !== undefined ? { environment: cfg.environment } : cfg.content !== undefined ? { content: cfg.content } : undefined;
      if (!cfg.external && !source) throw new TscError('SWARM_INVALID', `${kind} "${key}": one of file, environment or content is required`);
      files.push({ kind, key, name, external: Boolean(cfg.external), labels: { ...(cfg.labels ?? {}), ...nsLabels }, source, driver: cfg.driver, templateDriver: cfg.template_driver });
    }
  }
  return { namespace, networks, files, services, unsupported: [...unsupported].sort(), deprecated };
}

function convertService(project: Project, namespace: string, s: ServiceConfig, networkKeys: string[]): SwarmService {
  if (!s.image) throw bad(s.name, 'an image is required: Swarm does not build (build it and push it to a registry first)');
  const nsLabels = { [NAMESPACE_LABEL]: namespace };
  const deploy = s.deploy ?? {};
  const name = `${namespace}_${s.name}`;
  const env = Object.entries(s.environment ?? {}).map(([k, v]) => (v === null || v === undefined ? k : `${k}=${v}`)).sort();
  const hc = s.healthcheck;
  const healthcheck = hc && (hc.disable ? { Test: ['NONE'] } : dropUndefined({
    Test: hc.test ? [...hc.test] : undefined, Interval: ns(hc.interval), Timeout: ns(hc.timeout), Retries: hc.retries, StartPeriod: ns(hc.start_period),
  }));
  const containerSpec = dropUndefined({
    Image: s.image,
    Labels: { ...(s.labels ?? {}), ...nsLabels },
    Command: s.entrypoint ? [...s.entrypoint] : undefined,
    Args: s.command ? [...s.command] : undefined,
    Hostname: s.hostname,
    Env: env.length ? env : undefined,
    Dir: s.working_dir,
    User: s.user,
    StopSignal: s.stop_signal,
    StopGracePeriod: ns(s.stop_grace_period),
    TTY: s.tty,
    OpenStdin: s.stdin_open,
    ReadOnly: s.read_only,
    Init: s.init,
    Healthcheck: healthcheck,
    Hosts: serviceExtraHosts(s)?.map((h) => `${h.ip} ${h.host}`),
    DNSConfig: s.dns || s.dns_search || s.dns_opt ? dropUndefined({ Nameservers: s.dns, Search: s.dns_search, Options: s.dns_opt as string[] | undefined }) : undefined,
    Mounts: serviceMounts(project, namespace, s),
    Sysctls: s.sysctls as Record<string, string> | undefined,
    CapabilityAdd: s.cap_add,
    CapabilityDrop: s.cap_drop,
    Ulimits: (() => { const u = serviceUlimits(s); return u && Object.entries(u).map(([Name, l]) => ({ Name, Soft: l.soft, Hard: l.hard })); })(),
  });
  const limits = deploy.resources?.limits;
  const reservations = deploy.resources?.reservations;
  const cpus = limits?.cpus ?? s.cpus;
  const memory = limits?.memory ?? s.mem_limit;
  const resources = dropUndefined({
    Limits: cpus !== undefined || memory !== undefined || limits?.pids !== undefined || s.pids_limit !== undefined
      ? dropUndefined({ NanoCPUs: cpus !== undefined ? Math.round(Number(cpus) * 1e9) : undefined, MemoryBytes: memory !== undefined ? parseBytes(memory) : undefined, Pids: limits?.pids ?? s.pids_limit })
      : undefined,
    Reservations: reservations?.cpus !== undefined || reservations?.memory !== undefined || s.mem_reservation !== undefined
      ? dropUndefined({ NanoCPUs: reservations?.cpus !== undefined ? Math.round(Number(reservations.cpus) * 1e9) : undefined, MemoryBytes: (reservations?.memory ?? s.mem_reservation) !== undefined ? parseBytes((reservations?.memory ?? s.mem_reservation)!) : undefined })
      : undefined,
  });
  const placement = deploy.placement as { constraints?: string[]; preferences?: Array<{ spread: string }>; max_replicas_per_node?: number } | undefined;
  const mode = deploy.mode ?? 'replicated';
  const replicas = deploy.replicas ?? s.scale ?? 1;
  const modeSpec = mode === 'global' ? { Global: {} }
    : mode === 'replicated' ? { Replicated: { Replicas: replicas } }
      : mode === 'replicated-job' ? { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: replicas } }
        : mode === 'global-job' ? { GlobalJob: {} }
          : (() => { throw bad(s.name, `deploy.mode must be one of replicated, global, replicated-job, global-job, not "${mode}"`); })();
  const endpointMode = (deploy.endpoint_mode as string | undefined) ?? undefined;
  const ports = (s.ports ?? []).flatMap((p) => publishedPorts(s.name, p.published).map((published) => dropUndefined({
    Protocol: p.protocol ?? 'tcp', TargetPort: p.target, PublishedPort: published, PublishMode: p.mode ?? 'ingress',
  })));
  if (endpointMode === 'dnsrr' && ports.some((p) => p.PublishMode === 'ingress')) {
    throw bad(s.name, 'endpoint_mode dnsrr cannot publish ports through the ingress routing mesh: use ports with mode: host');
  }
  const spec = dropUndefined({
    Name: name,
    Labels: { ...(deploy.labels ?? {}), ...nsLabels, [IMAGE_LABEL]: s.image },
    TaskTemplate: dropUndefined({
      ContainerSpec: containerSpec,
      Resources: Object.keys(resources).length ? resources : undefined,
      RestartPolicy: restartPolicy(s),
      Placement: placement && dropUndefined({
        Constraints: placement.constraints, Preferences: placement.preferences?.map((p) => ({ Spread: { SpreadDescriptor: p.spread } })), MaxReplicas: placement.max_replicas_per_node,
      }),
      Networks: networkKeys.map((key) => {
        const cfg = s.networks?.[key];
        return dropUndefined({ Target: project.networks[key]?.name ?? `${namespace}_${key}`, Aliases: [s.name, ...(cfg?.aliases ?? [])] });
      }),
      LogDriver: s.logging?.driver ? dropUndefined({ Name: s.logging.driver, Options: s.logging.options }) : undefined,
    }),
    Mode: modeSpec,
    UpdateConfig: updateConfig(deploy.update_config),
    RollbackConfig: updateConfig(deploy.rollback_config),
    EndpointSpec: dropUndefined({ Mode: endpointMode, Ports: ports.length ? ports : undefined }),
  });
  const fileRef = (kind: 'secrets' | 'configs') => (s[kind] ?? []).map((r) => {
    const target = r.target ?? (kind === 'configs' ? `/${r.source}` : r.source);
    const mode = r.mode === undefined ? 0o444 : typeof r.mode === 'string' ? parseInt(r.mode, 8) : r.mode;
    return { key: r.source, file: { Name: target, UID: r.uid ?? '0', GID: r.gid ?? '0', Mode: mode } };
  });
  return { key: s.name, name, image: s.image, spec, secrets: fileRef('secrets'), configs: fileRef('configs') };
}

function publishedPorts(service: string, published: string | undefined): Array<number | undefined> {
  if (published === undefined || published === '') return [undefined];
  const m = /^(\d+)(?:-(\d+))?$/.exec(published);
  if (!m) throw bad(service, `invalid published port "${published}"`);
  if (m[2] !== undefined && m[2] !== m[1]) throw bad(service, `a published port range (${published}) is not supported by Swarm: publish each port`);
  return [Number(m[1])];
}

function restartPolicy(s: ServiceConfig): Record<string, unknown> | undefined {
  const p = s.deploy?.restart_policy;
  if (p) {
    const condition = p.condition ?? 'any';
    if (!['none', 'on-failure', 'any'].includes(condition)) throw bad(s.name, `deploy.restart_policy.condition must be one of none, on-failure, any, not "${condition}"`);
    return dropUndefined({ Condition: condition, Delay: ns(p.delay), MaxAttempts: p.max_attempts, Window: ns(p.window) });
  }
  if (!s.restart) return undefined;
  const [name, count] = s.restart.split(':');
  if (name === 'no') return { Condition: 'none' };
  if (name === 'always' || name === 'unless-stopped') return { Condition: 'any' };
  if (name === 'on-failure') return dropUndefined({ Condition: 'on-failure', MaxAttempts: count ? Number(count) : undefined });
  throw bad(s.name, `restart must be one of no, always, on-failure, unless-stopped, not "${s.restart}"`);
}

function updateConfig(raw: unknown): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  const u = raw as { parallelism?: number; delay?: string; failure_action?: string; monitor?: string; max_failure_ratio?: number; order?: string };
  return dropUndefined({
    Parallelism: u.parallelism ?? 1, Delay: ns(u.delay), FailureAction: u.failure_action, Monitor: ns(u.monitor),
    MaxFailureRatio: u.max_failure_ratio, Order: u.order,
  });
}

function serviceMounts(project: Project, namespace: string, s: ServiceConfig): Array<Record<string, unknown>> | undefined {
  const mounts: Array<Record<string, unknown>> = [];
  for (const v of s.volumes ?? []) {
    if (v.type === 'volume') {
      const cfg = v.source ? project.volumes[v.source] : undefined;
      const external = Boolean(cfg?.external);
      mounts.push(dropUndefined({
        Type: 'volume', Source: v.source ? cfg?.name ?? `${namespace}_${v.source}` : undefined, Target: v.target, ReadOnly: v.read_only,
        VolumeOptions: external ? undefined : dropUndefined({
          NoCopy: v.volume?.nocopy, Labels: { ...(cfg?.labels ?? {}), [NAMESPACE_LABEL]: namespace },
          DriverConfig: cfg?.driver || cfg?.driver_opts ? dropUndefined({ Name: cfg.driver, Options: cfg.driver_opts }) : undefined,
        }),
      }));
    } else if (v.type === 'bind') {
      mounts.push(dropUndefined({ Type: 'bind', Source: v.source, Target: v.target, ReadOnly: v.read_only, BindOptions: v.bind?.propagation ? { Propagation: v.bind.propagation } : undefined }));
    } else if (v.type === 'tmpfs') {
      mounts.push(dropUndefined({ Type: 'tmpfs', Target: v.target, ReadOnly: v.read_only, TmpfsOptions: v.tmpfs ? dropUndefined({ SizeBytes: v.tmpfs.size !== undefined ? parseBytes(v.tmpfs.size) : undefined, Mode: v.tmpfs.mode }) : undefined }));
    } else {
      throw bad(s.name, `volumes of type ${v.type} are not supported by Swarm (at ${v.target})`);
    }
  }
  for (const entry of s.tmpfs ?? []) mounts.push({ Type: 'tmpfs', Target: entry.split(':')[0] });
  return mounts.length ? mounts : undefined;
}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
