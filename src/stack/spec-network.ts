// Networking of a service: network_mode or networks (names resolved to the
// top-level `name`), published and exposed ports, extra hosts.
import type { ServiceConfig } from '../compose/model.js';
import type { ContainerSpec, EndpointSpec, PortBinding } from '../engine/types.js';
import { containerName } from './labels.js';
import { networkName } from './stack-project.js';
import type { StackProject } from './stack-project.js';
import { compareStrings } from '../util/compare.js';

type NetworkPart = Pick<ContainerSpec, 'networkMode' | 'networks'>;

export function serviceNetworking(stack: StackProject, service: ServiceConfig, name: string): NetworkPart {
  const mode = service.network_mode;
  if (mode) {
    if (mode.startsWith('service:')) {
      const target = mode.slice('service:'.length);
      const other = stack.project.services[target];
      return { networkMode: `container:${other?.container_name ?? containerName(stack.project.name, target, 1)}` };
    }
    return { networkMode: mode };
  }
  const entries = networksByPriority(service);
  if (entries.length === 0) return {};
  const networks: Record<string, EndpointSpec> = {};
  for (const [i, [key, cfg]] of entries.entries()) {
    const endpoint: EndpointSpec = { aliases: [name, service.name, ...(cfg?.aliases ?? [])] };
    if (cfg?.ipv4_address) endpoint.ipv4Address = cfg.ipv4_address;
    if (cfg?.ipv6_address) endpoint.ipv6Address = cfg.ipv6_address;
    // A service-level mac_address is the primary network's (Docker Compose, Engine API ≥ 1.44).
    const mac = cfg?.mac_address ?? (i === 0 && typeof service.mac_address === 'string' ? service.mac_address : undefined);
    if (mac) endpoint.macAddress = mac;
    if (cfg?.interface_name) endpoint.interfaceName = cfg.interface_name;
    if (cfg?.gw_priority !== undefined) endpoint.gwPriority = cfg.gw_priority;
    networks[networkName(stack.project, key)] = endpoint;
  }
  return { networkMode: Object.keys(networks)[0], networks };
}

type NetworkEntry = [string, NonNullable<ServiceConfig['networks']>[string]];

/** The service's networks, the primary one (the container's networkMode) first: highest priority, then by name. */
export function networksByPriority(service: ServiceConfig): NetworkEntry[] {
  return Object.entries(service.networks ?? {}).sort(([a, ca], [b, cb]) => (cb?.priority ?? 0) - (ca?.priority ?? 0) || compareStrings(a, b));
}

export function servicePorts(service: ServiceConfig): PortBinding[] | undefined {
  if (!service.ports?.length) return undefined;
  return service.ports.map((p) => ({
    ...(p.host_ip ? { hostIp: p.host_ip } : {}),
    hostPort: p.published ?? '',
    containerPort: p.target,
    protocol: p.protocol ?? 'tcp',
  }));
}

/** expose entries and published targets as `port/proto`, ranges expanded. */
export function serviceExposedPorts(service: ServiceConfig): string[] | undefined {
  const out = new Set<string>();
  for (const entry of service.expose ?? []) {
    const [range, proto = 'tcp'] = String(entry).split('/');
    const [from, to = from] = range!.split('-').map(Number) as [number, number?];
    for (let p = from; p <= (to ?? from); p++) out.add(`${p}/${proto}`);
  }
  for (const p of service.ports ?? []) out.add(`${p.target}/${p.protocol ?? 'tcp'}`);
  return out.size > 0 ? [...out] : undefined;
}

/** `host=ip` / `host:ip` list entries or a map, as host/ip pairs. */
export function serviceExtraHosts(service: ServiceConfig): Array<{ host: string; ip: string }> | undefined {
  const raw = service.extra_hosts as unknown;
  if (!raw) return undefined;
  const out: Array<{ host: string; ip: string }> = [];
  if (Array.isArray(raw)) {
    for (const entry of raw as string[]) {
      const i = entry.includes('=') ? entry.indexOf('=') : entry.indexOf(':');
      if (i > 0) out.push({ host: entry.slice(0, i), ip: entry.slice(i + 1) });
    }
  } else {
    for (const [host, ips] of Object.entries(raw as Record<string, string | string[]>)) {
      for (const ip of Array.isArray(ips) ? ips : [ips]) out.push({ host, ip });
    }
  }
  return out.length > 0 ? out : undefined;
}
