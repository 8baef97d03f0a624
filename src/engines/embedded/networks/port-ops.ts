// Published ports of a container: host ports resolved and checked, then DNAT
// rules tagged with the container's short id.
import type { PortBinding } from '../../../engine/types.js';
import { readBridgeOptions } from './bridge-options.js';
import { setHostSysctl } from './host-sysctls.js';
import type { NetContext } from './context.js';
import { deleteTagged, ensureChainsAndAdd } from './firewall.js';
import { checkPortsFree, resolveHostPorts, type PortHolder } from './host-ports.js';
import { contains, mustParseCidr, mustParseIp } from './ipv4.js';
import { portRules, type PublishedPort } from './port-rules.js';

/** Ports our containers hold, but those of `except`. */
export function portHolders(ctx: NetContext, except?: string): PortHolder[] {
  return ctx.records.allPorts()
    .filter((p) => p.containerId !== except)
    .map((p) => ({ containerName: ctx.records.sandbox(p.containerId)?.containerName || p.containerId.slice(0, 12), ports: p.ports }));
}

export async function publishPortsLocked(ctx: NetContext, containerId: string, containerIp: string, bindings: PortBinding[]): Promise<PortBinding[]> {
  mustParseIp(containerIp, 'container address');
  if (ctx.records.ports(containerId)) await unpublishPortsLocked(ctx, containerId);
  const ports = await resolveHostPorts(withHostBinding(ctx, containerIp, bindings), portHolders(ctx, containerId));
  if (ports.length === 0) return [];
  ctx.records.savePorts({ containerId, containerIp, ports });
  try {
    await setHostSysctl(ctx.records.dir, 'net.ipv4.ip_forward', '1');
    await ensureChainsAndAdd(portRules(containerId.slice(0, 12), containerIp, ports));
  } catch (error) {
    ctx.records.deletePorts(containerId);
    throw error;
  }
  return ports.map((p) => ({ hostIp: p.hostIp, hostPort: String(p.hostPort), containerPort: p.containerPort, protocol: p.protocol }));
}

/** A binding that names no host address gets its network's `host_binding_ipv4`, as Docker's. */
function withHostBinding(ctx: NetContext, containerIp: string, bindings: PortBinding[]): PortBinding[] {
  const ip = mustParseIp(containerIp, 'container address');
  const network = ctx.records.networks().find((n) => contains(mustParseCidr(n.subnet, 'subnet'), ip));
  const hostIp = network ? readBridgeOptions(network.driverOpts).hostBindingIpv4 : undefined;
  return hostIp ? bindings.map((b) => (b.hostIp ? b : { ...b, hostIp })) : bindings;
}

export async function unpublishPortsLocked(ctx: NetContext, containerId: string): Promise<void> {
  if (!ctx.records.ports(containerId)) return;
  await deleteTagged(containerId.slice(0, 12));
  ctx.records.deletePorts(containerId);
}

export interface PortsToCheck {
  containerName: string;
  bindings: PortBinding[];
}

export function checkPortsFreeAll(ctx: NetContext, containers: PortsToCheck[], except: string[]): void {
  const ours = ctx.records.allPorts()
    .filter((p) => !except.includes(p.containerId))
    .map((p) => ({ containerName: ctx.records.sandbox(p.containerId)?.containerName || p.containerId.slice(0, 12), ports: p.ports }));
  for (const c of containers) {
    checkPortsFree(c.bindings, ours);
    ours.push({ containerName: c.containerName, ports: fixedPorts(c.bindings) });
  }
}

/** The single fixed host ports of bindings, as published (ranges and random ports are chosen at start). */
function fixedPorts(bindings: PortBinding[]): PublishedPort[] {
  return bindings.flatMap((b) => {
    const port = /^\d+$/.test(b.hostPort ?? '') ? Number(b.hostPort) : 0;
    if (!port || b.protocol === 'sctp' || (b.hostIp ?? '').includes(':')) return [];
    return [{ hostIp: b.hostIp ?? '', hostPort: port, containerPort: b.containerPort, protocol: b.protocol }];
  });
}

export function checkPortsFreeFor(ctx: NetContext, bindings: PortBinding[], except?: string): void {
  checkPortsFree(bindings, portHolders(ctx, except));
}
