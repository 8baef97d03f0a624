// The daemon's container JSON (list and inspect) as the engine's types.
import type { ContainerDetails, ContainerSpec, ContainerState, ContainerStatus, ContainerSummary, MountSpec, PortBinding } from '../../engine/types.js';

export interface ApiContainerListItem {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  State: string;
  Status: string;
  Ports: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }>;
  Labels: Record<string, string> | null;
}

export interface ApiContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  Image: string;
  Path: string;
  Args: string[];
  LogPath: string;
  RestartCount: number;
  State: {
    Status: string; Running: boolean; Paused: boolean; Restarting: boolean; Dead: boolean; Pid: number; ExitCode: number; Error: string;
    StartedAt: string; FinishedAt: string;
    Health?: { Status: string; FailingStreak: number; Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }> | null };
  };
  Config: {
    Image: string; Labels: Record<string, string> | null; Env: string[] | null; Entrypoint: string[] | null; Cmd: string[] | null;
    WorkingDir: string; User: string; Hostname: string; Domainname: string; Tty: boolean; OpenStdin: boolean;
    ExposedPorts?: Record<string, object> | null; StopSignal?: string; StopTimeout?: number;
    Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number };
  };
  HostConfig: {
    NetworkMode: string; PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null;
    RestartPolicy?: { Name: string; MaximumRetryCount: number }; Init?: boolean | null; ReadonlyRootfs?: boolean; Privileged?: boolean;
    CapAdd?: string[] | null; CapDrop?: string[] | null; ExtraHosts?: string[] | null; Dns?: string[] | null; VolumesFrom?: string[] | null;
  };
  Mounts: Array<{ Type: string; Name?: string; Source: string; Destination: string; RW: boolean }>;
  NetworkSettings: {
    SandboxKey: string;
    Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null;
    Networks: Record<string, {
      NetworkID: string; IPAddress: string; IPPrefixLen: number; Gateway: string; MacAddress: string; Aliases: string[] | null; DNSNames?: string[] | null;
    }> | null;
  };
}

const STATUSES: readonly ContainerStatus[] = ['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing'];

function status(s: string): ContainerStatus {
  return (STATUSES as readonly string[]).includes(s) ? (s as ContainerStatus) : 'exited';
}

/** The list gives only `State` and a `Status` text ("Exited (2) 3 seconds ago", "Up 2 minutes (healthy)"). */
export function summaryFromList(c: ApiContainerListItem): ContainerSummary {
  const st = status(c.State);
  const exit = /^Exited \((-?\d+)\)/.exec(c.Status);
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1];
  const state: ContainerState = {
    status: st, running: st === 'running' || st === 'paused' || st === 'restarting', paused: st === 'paused', restarting: st === 'restarting',
    pid: 0, exitCode: exit ? Number(exit[1]) : 0, startedAt: '0001-01-01T00:00:00Z', finishedAt: '0001-01-01T00:00:00Z', restartCount: 0,
    ...(health ? { health: { status: health === 'health: starting' ? 'starting' : (health as 'healthy' | 'unhealthy'), failingStreak: 0, log: [] } } : {}),
  };
  return {
    id: c.Id,
    name: (c.Names[0] ?? '').replace(/^\//, ''),
    image: c.Image,
    imageId: c.ImageID,
    labels: c.Labels ?? {},
    created: new Date(c.Created * 1000).toISOString(),
    state,
    ports: c.Ports.filter((p) => p.PublicPort !== undefined).map((p) => ({
      hostIp: p.IP, hostPort: String(p.PublicPort), containerPort: p.PrivatePort, protocol: p.Type as PortBinding['protocol'],
    })),
    command: c.Command ? [c.Command] : [],
  };
}

function bindingsToPorts(bindings: ApiContainerInspect['HostConfig']['PortBindings']): PortBinding[] {
  const out: PortBinding[] = [];
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const [port, proto = 'tcp'] = key.split('/');
    for (const b of list ?? []) out.push({ ...(b.HostIp ? { hostIp: b.HostIp } : {}), hostPort: b.HostPort, containerPort: Number(port), protocol: proto as PortBinding['protocol'] });
  }
  return out;
}

function envRecord(env: string[] | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) {
    const i = e.indexOf('=');
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

export function detailsFromInspect(c: ApiContainerInspect): ContainerDetails {
  const s = c.State;
  const state: ContainerState = {
    status: status(s.Status), running: s.Running, paused: s.Paused, restarting: s.Restarting, pid: s.Pid, exitCode: s.ExitCode,
    ...(s.Error ? { error: s.Error } : {}),
    startedAt: s.StartedAt, finishedAt: s.FinishedAt, restartCount: c.RestartCount,
    ...(s.Health ? {
      health: {
        status: s.Health.Status as 'starting' | 'healthy' | 'unhealthy', failingStreak: s.Health.FailingStreak,
        log: (s.Health.Log ?? []).map((l) => ({ start: l.Start, end: l.End, exitCode: l.ExitCode, output: l.Output })),
      },
    } : {}),
  };
  const cfg = c.Config;
  const host = c.HostConfig;
  const live = c.NetworkSettings.Networks ?? {};
  const mounts: ContainerDetails['mounts'] = c.Mounts.map((m) => ({
    type: (m.Type === 'bind' || m.Type === 'tmpfs' ? m.Type : 'volume') as MountSpec['type'],
    source: m.Type === 'volume' ? m.Name : m.Source,
    target: m.Destination,
    readOnly: !m.RW,
    resolvedSource: m.Source,
  }));
  const hc = cfg.Healthcheck;
  const spec: ContainerSpec = {
    name: c.Name.replace(/^\//, ''),
    image: cfg.Image,
    labels: cfg.Labels ?? {},
    entrypoint: cfg.Entrypoint ?? undefined,
    command: cfg.Cmd ?? undefined,
    env: envRecord(cfg.Env),
    workingDir: cfg.WorkingDir || undefined,
    user: cfg.User || undefined,
    hostname: cfg.Hostname || undefined,
    tty: cfg.Tty,
    stdinOpen: cfg.OpenStdin,
    init: host.Init ?? undefined,
    readOnly: host.ReadonlyRootfs,
    privileged: host.Privileged,
    capAdd: host.CapAdd ?? undefined,
    capDrop: host.CapDrop ?? undefined,
    mounts: mounts.map(({ resolvedSource: _r, ...m }) => m),
    networkMode: host.NetworkMode,
    networks: Object.fromEntries(Object.entries(live).map(([name, n]) => [name, { aliases: n.Aliases ?? [] }])),
    ports: bindingsToPorts(host.PortBindings),
    exposedPorts: Object.keys(cfg.ExposedPorts ?? {}),
    stopSignal: cfg.StopSignal,
    stopTimeoutSeconds: cfg.StopTimeout,
    ...(hc?.Test && hc.Test[0] !== 'NONE' ? {
      healthcheck: {
        test: hc.Test, intervalMs: ms(hc.Interval), timeoutMs: ms(hc.Timeout), retries: hc.Retries, startPeriodMs: ms(hc.StartPeriod),
      },
    } : {}),
    restartPolicy: host.RestartPolicy ? { name: (host.RestartPolicy.Name || 'no') as 'no', maximumRetryCount: host.RestartPolicy.MaximumRetryCount } : undefined,
  };
  return {
    id: c.Id,
    name: spec.name,
    image: cfg.Image,
    imageId: c.Image,
    labels: cfg.Labels ?? {},
    created: c.Created,
    state,
    // Published as the daemon bound them (a picked port is known once running).
    ports: s.Running ? bindingsToPorts(c.NetworkSettings.Ports) : spec.ports ?? [],
    command: [c.Path, ...c.Args],
    spec,
    path: c.Path,
    args: c.Args,
    logPath: c.LogPath || undefined,
    mounts,
    network: {
      sandboxKey: c.NetworkSettings.SandboxKey || undefined,
      networks: Object.fromEntries(Object.entries(live).filter(([, n]) => n.IPAddress).map(([name, n]) => [name, {
        networkId: n.NetworkID, ipAddress: n.IPAddress, prefixLen: n.IPPrefixLen, gateway: n.Gateway, macAddress: n.MacAddress,
        aliases: n.Aliases ?? [], dnsNames: n.DNSNames ?? n.Aliases ?? [],
      }])),
    },
  };
}

function ms(nanos: number | undefined): number | undefined {
  return nanos ? Math.round(nanos / 1_000_000) : undefined;
}
