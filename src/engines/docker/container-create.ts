// A ContainerSpec as the body of POST /containers/create (API 1.41), and the
// networks to connect after create (1.41 takes one network at create).
import type { ContainerSpec, EndpointSpec, MountSpec, PortBinding } from '../../engine/types.js';
import { TscError } from '../../util/errors.js';

export interface CreateRequest {
  body: Record<string, unknown>;
  /** Further networks, connected before start. */
  connect: Array<{ network: string; endpoint: Record<string, unknown> }>;
}

const NS_PER_MS = 1_000_000;

function unsupported(spec: ContainerSpec, what: string, needs: string): TscError {
  return new TscError('DOCKER_UNSUPPORTED', `container ${spec.name}: ${what} is not supported on the Docker engine (${needs}): remove it or use --engine embedded`);
}

export function buildCreateRequest(spec: ContainerSpec, resolvedLinks: string[] = []): CreateRequest {
  if (spec.healthcheck?.startIntervalMs) throw unsupported(spec, 'healthcheck.start_interval', 'it needs Docker Engine API 1.44; tscompose speaks 1.41');
  const exposed: Record<string, object> = {};
  for (const p of spec.exposedPorts ?? []) exposed[p.includes('/') ? p : `${p}/tcp`] = {};
  for (const p of spec.ports ?? []) exposed[`${p.containerPort}/${p.protocol}`] = {};
  const { binds, mounts } = splitMounts(spec);
  const networkNames = Object.keys(spec.networks ?? {});
  const primary = spec.networkMode ?? networkNames[0];
  const endpoints: Record<string, unknown> = {};
  const connect: CreateRequest['connect'] = [];
  for (const name of networkNames) {
    const endpoint = endpointConfig(spec, spec.networks![name]!);
    if (name === primary) endpoints[name] = endpoint;
    else connect.push({ network: name, endpoint });
  }
  const env = Object.entries(spec.env).map(([k, v]) => (v === null ? k : `${k}=${v}`));
  const body: Record<string, unknown> = {
    Image: spec.image,
    Labels: spec.labels,
    Env: env,
    Entrypoint: spec.entrypoint,
    Cmd: spec.command,
    WorkingDir: spec.workingDir,
    User: spec.user,
    Hostname: spec.hostname,
    Domainname: spec.domainname,
    Tty: spec.tty ?? false,
    OpenStdin: spec.stdinOpen ?? false,
    StdinOnce: spec.stdinOnce ?? false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
    StopSignal: spec.stopSignal,
    StopTimeout: spec.stopTimeoutSeconds,
    Healthcheck: spec.healthcheck && {
      Test: spec.healthcheck.test,
      Interval: ns(spec.healthcheck.intervalMs),
      Timeout: ns(spec.healthcheck.timeoutMs),
      Retries: spec.healthcheck.retries,
      StartPeriod: ns(spec.healthcheck.startPeriodMs),
    },
    MacAddress: primary && spec.networks?.[primary]?.macAddress,
    HostConfig: {
      Init: spec.init,
      ReadonlyRootfs: spec.readOnly,
      Privileged: spec.privileged,
      CapAdd: spec.capAdd,
      CapDrop: spec.capDrop,
      Sysctls: spec.sysctls,
      Ulimits: spec.ulimits && Object.entries(spec.ulimits).map(([Name, l]) => ({ Name, Soft: l.soft, Hard: l.hard })),
      NanoCpus: spec.resources?.nanoCpus,
      Memory: spec.resources?.memoryBytes,
      MemorySwap: spec.resources?.memorySwapBytes,
      MemoryReservation: spec.resources?.memoryReservationBytes,
      PidsLimit: spec.resources?.pidsLimit,
      CpuShares: spec.resources?.cpuShares,
      CpusetCpus: spec.resources?.cpusetCpus,
      ShmSize: spec.shmSizeBytes,
      Binds: binds.length ? binds : undefined,
      Mounts: mounts.length ? mounts : undefined,
      VolumesFrom: spec.volumesFrom,
      ExtraHosts: spec.extraHosts?.map((h) => `${h.host}:${h.ip}`),
      Dns: spec.dns,
      DnsSearch: spec.dnsSearch,
      DnsOptions: spec.dnsOptions,
      Links: resolvedLinks.length ? resolvedLinks : undefined,
      NetworkMode: primary,
      PortBindings: portBindings(spec.ports),
      RestartPolicy: spec.restartPolicy && { Name: spec.restartPolicy.name === 'no' ? '' : spec.restartPolicy.name, MaximumRetryCount: spec.restartPolicy.maximumRetryCount ?? 0 },
      SecurityOpt: spec.securityOpt,
      GroupAdd: spec.groupAdd,
      Devices: spec.devices?.map((d) => ({ PathOnHost: d.source, PathInContainer: d.target, CgroupPermissions: d.permissions || 'rwm' })),
    },
    NetworkingConfig: Object.keys(endpoints).length ? { EndpointsConfig: endpoints } : undefined,
  };
  return { body: dropUndefined(body), connect };
}

function ns(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms * NS_PER_MS;
}

function endpointConfig(spec: ContainerSpec, e: EndpointSpec): Record<string, unknown> {
  if (e.interfaceName) throw unsupported(spec, 'networks.*.interface_name', 'it needs Docker Engine API 1.49');
  if (e.gwPriority) throw unsupported(spec, 'networks.*.gw_priority', 'it needs Docker Engine API 1.48');
  const ipam = e.ipv4Address || e.ipv6Address ? { IPv4Address: e.ipv4Address, IPv6Address: e.ipv6Address } : undefined;
  return dropUndefined({ Aliases: e.aliases, IPAMConfig: ipam, MacAddress: e.macAddress });
}

export function portBindings(ports: PortBinding[] | undefined): Record<string, Array<{ HostIp: string; HostPort: string }>> | undefined {
  if (!ports?.length) return undefined;
  const out: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of ports) (out[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.hostPort ?? '' });
  return out;
}

/**
 * Bind mounts whose host path is to be created when missing go in Binds (the
 * Mounts API refuses a missing source), as Docker Compose does; the rest in Mounts.
 */
function splitMounts(spec: ContainerSpec): { binds: string[]; mounts: Array<Record<string, unknown>> } {
  const binds: string[] = [];
  const mounts: Array<Record<string, unknown>> = [];
  for (const m of spec.mounts ?? []) {
    if (m.type === 'bind' && m.bind?.createHostPath) {
      const opts = [m.readOnly ? 'ro' : 'rw', m.bind.propagation, m.bind.selinux].filter(Boolean);
      binds.push(`${m.source}:${m.target}:${opts.join(',')}`);
      continue;
    }
    mounts.push(mountConfig(spec, m));
  }
  return { binds, mounts };
}

function mountConfig(spec: ContainerSpec, m: MountSpec): Record<string, unknown> {
  if (m.volume?.subpath) throw unsupported(spec, `volumes[${m.target}].volume.subpath`, 'it needs Docker Engine API 1.45');
  if (m.type === 'bind' && m.bind?.selinux) throw unsupported(spec, `volumes[${m.target}]: an SELinux label (:z/:Z) on a bind with create_host_path: false`, 'the Mounts API has no SELinux option');
  return dropUndefined({
    Type: m.type,
    Source: m.source || undefined,
    Target: m.target,
    ReadOnly: m.readOnly,
    BindOptions: m.type === 'bind' && m.bind?.propagation ? { Propagation: m.bind.propagation } : undefined,
    VolumeOptions: m.type === 'volume' && (m.volume?.nocopy || m.volume?.labels) ? dropUndefined({ NoCopy: m.volume.nocopy, Labels: m.volume.labels }) : undefined,
    TmpfsOptions: m.type === 'tmpfs' && m.tmpfs ? dropUndefined({ SizeBytes: m.tmpfs.size, Mode: m.tmpfs.mode }) : undefined,
  });
}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined) delete o[k];
    else if (v && typeof v === 'object' && !Array.isArray(v)) dropUndefined(v as Record<string, unknown>);
  }
  return o;
}
