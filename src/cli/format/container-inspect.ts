// A container in the shape `docker inspect` prints it, from the engine's details
// (and the image's config, which supplies what the container spec leaves out).
import type { ContainerDetails, ImageDetails, MountSpec } from '../../engine/types.js';
import { stateWord } from './container-text.js';

export function containerInspectObject(d: ContainerDetails, image?: ImageDetails): Record<string, unknown> {
  const spec = d.spec;
  const ic = image?.config ?? {};
  const entrypoint = spec.entrypoint ?? ic.Entrypoint ?? null;
  const cmd = spec.command ?? (spec.entrypoint !== undefined ? null : ic.Cmd ?? null);
  const s = d.state;
  const exposed: Record<string, object> = { ...(ic.ExposedPorts ?? {}) };
  for (const p of spec.exposedPorts ?? []) exposed[p.includes('/') ? p : `${p}/tcp`] = {};
  const portBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of spec.ports ?? []) (portBindings[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.hostPort ?? '' });
  const livePorts: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  for (const key of Object.keys(exposed)) livePorts[key] = null;
  for (const p of d.ports) if (p.hostPort) (livePorts[`${p.containerPort}/${p.protocol}`] ??= [])!.push({ HostIp: p.hostIp || '0.0.0.0', HostPort: p.hostPort });
  return {
    Id: d.id,
    Created: d.created,
    Path: d.path,
    Args: d.args,
    State: {
      Status: stateWord(s),
      Running: s.running,
      Paused: s.paused,
      Restarting: s.restarting,
      OOMKilled: false,
      Dead: s.status === 'dead',
      Pid: s.pid,
      ExitCode: s.exitCode,
      Error: s.error ?? '',
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
      ...(s.health ? { Health: { Status: s.health.status, FailingStreak: s.health.failingStreak, Log: s.health.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })) } } : {}),
    },
    Image: d.imageId,
    LogPath: d.logPath ?? '',
    AppArmorProfile: d.appArmorProfile ?? '',
    Name: `/${d.name}`,
    RestartCount: s.restartCount,
    Driver: 'overlay',
    Platform: 'linux',
    HostConfig: {
      Binds: (spec.mounts ?? []).filter((m) => m.type === 'bind').map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`),
      NetworkMode: spec.networkMode ?? (Object.keys(spec.networks ?? {})[0] ?? 'bridge'),
      PortBindings: portBindings,
      RestartPolicy: { Name: spec.restartPolicy?.name ?? 'no', MaximumRetryCount: spec.restartPolicy?.maximumRetryCount ?? 0 },
      AutoRemove: false,
      VolumesFrom: spec.volumesFrom ?? null,
      CapAdd: spec.capAdd ?? null,
      CapDrop: spec.capDrop ?? null,
      Dns: spec.dns ?? [],
      DnsOptions: spec.dnsOptions ?? [],
      DnsSearch: spec.dnsSearch ?? [],
      ExtraHosts: spec.extraHosts?.map((h) => `${h.host}:${h.ip}`) ?? [],
      GroupAdd: spec.groupAdd ?? null,
      Privileged: spec.privileged ?? false,
      ReadonlyRootfs: spec.readOnly ?? false,
      SecurityOpt: spec.securityOpt ?? null,
      UsernsMode: spec.usernsMode ?? '',
      ShmSize: spec.shmSizeBytes ?? 67108864,
      Sysctls: spec.sysctls,
      Init: spec.init ?? false,
      NanoCpus: spec.resources?.nanoCpus ?? 0,
      CpuShares: spec.resources?.cpuShares ?? 0,
      CpusetCpus: spec.resources?.cpusetCpus ?? '',
      Memory: spec.resources?.memoryBytes ?? 0,
      MemoryReservation: spec.resources?.memoryReservationBytes ?? 0,
      MemorySwap: spec.resources?.memorySwapBytes ?? 0,
      PidsLimit: spec.resources?.pidsLimit ?? null,
      Ulimits: spec.ulimits ? Object.entries(spec.ulimits).map(([Name, l]) => ({ Name, Soft: l.soft, Hard: l.hard })) : null,
      Devices: (spec.devices ?? []).map((dev) => ({ PathOnHost: dev.source, PathInContainer: dev.target, CgroupPermissions: dev.permissions })),
      Mounts: (spec.mounts ?? []).map(hostConfigMount),
    },
    Mounts: d.mounts.map((m) => ({
      Type: m.type,
      ...(m.type === 'volume' ? { Name: m.source ?? '' } : {}),
      Source: m.resolvedSource ?? m.source ?? '',
      Destination: m.target,
      ...(m.type === 'volume' ? { Driver: 'local' } : {}),
      Mode: m.type === 'bind' ? (m.readOnly ? 'ro' : 'rw') : m.type === 'volume' ? 'z' : '',
      RW: !m.readOnly,
      Propagation: m.type === 'bind' ? m.bind?.propagation ?? 'rprivate' : '',
    })),
    Config: {
      Hostname: spec.hostname ?? d.id.slice(0, 12),
      Domainname: spec.domainname ?? '',
      User: spec.user ?? ic.User ?? '',
      AttachStdin: false,
      AttachStdout: !spec.stdinOpen,
      AttachStderr: !spec.stdinOpen,
      ExposedPorts: Object.keys(exposed).length ? exposed : undefined,
      Tty: spec.tty ?? false,
      OpenStdin: spec.stdinOpen ?? false,
      StdinOnce: false,
      Env: mergeEnv(ic.Env ?? [], spec.env),
      Cmd: cmd,
      ...(spec.healthcheck ? { Healthcheck: { Test: spec.healthcheck.test, Interval: ns(spec.healthcheck.intervalMs), Timeout: ns(spec.healthcheck.timeoutMs), StartPeriod: ns(spec.healthcheck.startPeriodMs), StartInterval: ns(spec.healthcheck.startIntervalMs), Retries: spec.healthcheck.retries ?? 0 } } : {}),
      Image: spec.image,
      Volumes: ic.Volumes ?? null,
      WorkingDir: spec.workingDir ?? ic.WorkingDir ?? '',
      Entrypoint: entrypoint,
      OnBuild: null,
      Labels: d.labels,
      ...(spec.stopSignal ?? ic.StopSignal ? { StopSignal: spec.stopSignal ?? ic.StopSignal } : {}),
      ...(spec.stopTimeoutSeconds !== undefined ? { StopTimeout: spec.stopTimeoutSeconds } : {}),
    },
    NetworkSettings: networkSettings(d, livePorts),
  };
}

/**
 * Live endpoints when the engine reports them, else the spec's. The top-level
 * IPAddress/Gateway/MacAddress are those of the default `bridge` network
 * only, as Docker fills them.
 */
function networkSettings(d: ContainerDetails, ports: Record<string, unknown>): Record<string, unknown> {
  const live = d.network?.networks ?? {};
  const names = [...new Set([...Object.keys(d.spec.networks ?? {}), ...Object.keys(live)])];
  const bridge = live.bridge;
  return {
    Bridge: '',
    SandboxID: '',
    SandboxKey: d.network?.sandboxKey ?? '',
    Ports: ports,
    Gateway: bridge?.gateway ?? '',
    IPAddress: bridge?.ipAddress ?? '',
    IPPrefixLen: bridge?.prefixLen ?? 0,
    MacAddress: bridge?.macAddress ?? '',
    Networks: Object.fromEntries(names.map((name) => {
      const ep = d.spec.networks?.[name] ?? {};
      const now = live[name];
      return [name, {
        IPAMConfig: ep.ipv4Address || ep.ipv6Address ? { IPv4Address: ep.ipv4Address ?? '', IPv6Address: ep.ipv6Address ?? '' } : null,
        Links: null,
        Aliases: ep.aliases ?? null,
        MacAddress: now?.macAddress ?? ep.macAddress ?? '',
        NetworkID: now?.networkId ?? '',
        EndpointID: '',
        Gateway: now?.gateway ?? '',
        IPAddress: now?.ipAddress ?? '',
        IPPrefixLen: now?.prefixLen ?? 0,
        IPv6Gateway: '',
        GlobalIPv6Address: ep.ipv6Address ?? '',
        GlobalIPv6PrefixLen: 0,
        DNSNames: now?.dnsNames ?? [d.name, ...(ep.aliases ?? [])],
      }];
    })),
  };
}

const ns = (ms: number | undefined) => (ms ?? 0) * 1_000_000;

/** The image's Env with the container's on top (a null value unsets), order kept as Docker does. */
export function mergeEnv(imageEnv: string[], env: Record<string, string | null>): string[] {
  const out = new Map<string, string>();
  for (const entry of imageEnv) {
    const eq = entry.indexOf('=');
    out.set(eq < 0 ? entry : entry.slice(0, eq), entry);
  }
  for (const [key, value] of Object.entries(env)) {
    if (value === null) out.delete(key);
    else out.set(key, `${key}=${value}`);
  }
  return [...out.values()];
}

function hostConfigMount(m: MountSpec): Record<string, unknown> {
  return {
    Type: m.type,
    Source: m.source ?? '',
    Target: m.target,
    ...(m.readOnly ? { ReadOnly: true } : {}),
    ...(m.bind ? { BindOptions: { ...(m.bind.propagation ? { Propagation: m.bind.propagation } : {}), ...(m.bind.createHostPath ? { CreateMountpoint: true } : {}) } } : {}),
    ...(m.volume ? { VolumeOptions: { ...(m.volume.nocopy ? { NoCopy: true } : {}), ...(m.volume.subpath ? { Subpath: m.volume.subpath } : {}) } } : {}),
    ...(m.tmpfs ? { TmpfsOptions: { ...(m.tmpfs.size ? { SizeBytes: m.tmpfs.size } : {}), ...(m.tmpfs.mode ? { Mode: m.tmpfs.mode } : {}) } } : {}),
  };
}
