// Sandboxes: a named network namespace per container, and one veth endpoint
// per network it joins. Records are written before the kernel objects are
// made, so an interrupted command leaves something teardown can find.
import { TscError } from '../../../util/errors.js';
import type { NetContext } from './context.js';
import { allocateAddress } from './ipam.js';
import { checkMac, macFromIp, mustParseIp } from './ipv4.js';
import { createNetns, createVeth, deleteLink, deleteNetns, setDefaultRoute } from './links.js';
import { checkIfname, netnsName, netnsPath, vethHostName } from './names.js';
import type { Attachment, SandboxRecord } from './records.js';
import { StepErrors } from './steps.js';

export interface ConnectEndpoint {
  aliases?: string[];
  ipv4Address?: string;
  macAddress?: string;
  interfaceName?: string;
  gwPriority?: number;
  /** DNS names of the container on this network (service, container name, hostname, aliases, links aliases). */
  names: string[];
  /** The container's `dns:` servers (kept on its endpoint record for the resolver). */
  dnsServers?: string[];
}

export interface ConnectResult {
  ip: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  ifname: string;
}

export interface SandboxInfo {
  netns: string;
  path: string;
}

export async function createSandboxLocked(ctx: NetContext, containerId: string, containerName: string): Promise<SandboxInfo> {
  const netns = netnsName(containerId);
  const info = { netns, path: netnsPath(containerId) };
  if (ctx.records.sandbox(containerId)) return info;
  ctx.records.saveSandbox({ containerId, containerName, netns, created: new Date().toISOString(), attachments: {} });
  try {
    await createNetns(netns);
  } catch (error) {
    ctx.records.deleteSandbox(containerId);
    throw error;
  }
  return info;
}

function sandboxOf(ctx: NetContext, containerId: string): SandboxRecord {
  const s = ctx.records.sandbox(containerId);
  if (!s) throw new TscError('NO_SANDBOX', `container ${containerId.slice(0, 12)} has no network namespace: create its sandbox before connecting it`);
  return s;
}

function usedAddresses(ctx: NetContext, network: string): string[] {
  return ctx.records.sandboxes().flatMap((s) => (s.attachments[network] ? [s.attachments[network]!.ip] : []));
}

function nextIfname(s: SandboxRecord): string {
  const taken = new Set(Object.values(s.attachments).map((a) => a.ifname));
  for (let i = 0; ; i++) if (!taken.has(`eth${i}`)) return `eth${i}`;
}

export async function connectLocked(ctx: NetContext, containerId: string, network: string, ep: ConnectEndpoint): Promise<ConnectResult> {
  const sandbox = sandboxOf(ctx, containerId);
  const net = ctx.records.network(network);
  if (!net) throw new TscError('NO_SUCH_NETWORK', `network ${network} not found`);
  if (sandbox.attachments[network]) throw new TscError('ENDPOINT_EXISTS', `container ${sandbox.containerName || containerId.slice(0, 12)} is already connected to network ${network}`);
  const ifname = ep.interfaceName ? checkIfname(ep.interfaceName, 'interface_name') : nextIfname(sandbox);
  if (Object.values(sandbox.attachments).some((a) => a.ifname === ifname)) throw new TscError('IFNAME_IN_USE', `interface_name ${ifname} is already used by another network of this container: choose another`);
  const address = allocateAddress(network, net, usedAddresses(ctx, network), ep.ipv4Address);
  const mac = ep.macAddress ? checkMac(ep.macAddress) : macFromIp(mustParseIp(address, 'address'));
  const prefixLen = Number(net.subnet.split('/')[1]);
  const seq = Math.max(0, ...Object.values(sandbox.attachments).map((a) => a.seq + 1));
  const attachment: Attachment = { networkId: net.id, hostIf: vethHostName(containerId, net.id), ifname, ip: address, gwPriority: ep.gwPriority ?? 0, internal: net.internal, seq };
  sandbox.attachments[network] = attachment;
  ctx.records.saveSandbox(sandbox);
  try {
    await createVeth({ hostIf: attachment.hostIf, alias: ctx.linkAlias, netns: sandbox.netns, ifname, mac, mtu: net.mtu, bridge: net.bridge, address: `${address}/${prefixLen}` });
    await applyDefaultRoute(ctx, sandbox);
  } catch (error) {
    await deleteLink(attachment.hostIf).catch(() => undefined);
    delete sandbox.attachments[network];
    ctx.records.saveSandbox(sandbox);
    await applyDefaultRoute(ctx, sandbox).catch(() => undefined);
    throw error;
  }
  const endpoint = ctx.records.endpoint(containerId) ?? { containerId, containerName: sandbox.containerName, networks: {} };
  if (ep.dnsServers?.length) endpoint.dnsServers = [...ep.dnsServers];
  endpoint.networks[network] = { ip: address, gateway: net.gateway, subnet: net.subnet, mac, ifname, names: unique([...ep.names, ...(ep.aliases ?? [])]) };
  ctx.records.saveEndpoint(endpoint);
  return { ip: address, prefixLen, gateway: net.gateway, mac, ifname };
}

function unique(names: string[]): string[] {
  return [...new Set(names.filter(Boolean))];
}

/** The default route goes through the gateway of the non-internal network with the highest gwPriority (ties: the first joined). */
async function applyDefaultRoute(ctx: NetContext, sandbox: SandboxRecord): Promise<void> {
  const best = Object.entries(sandbox.attachments)
    .filter(([, a]) => !a.internal)
    .sort(([, a], [, b]) => b.gwPriority - a.gwPriority || a.seq - b.seq)[0];
  const gateway = best && ctx.records.network(best[0])?.gateway;
  await setDefaultRoute(sandbox.netns, best && gateway ? { gateway, ifname: best[1].ifname } : undefined);
}

export async function disconnectLocked(ctx: NetContext, containerId: string, network: string): Promise<void> {
  const sandbox = sandboxOf(ctx, containerId);
  const attachment = sandbox.attachments[network];
  if (!attachment) throw new TscError('NOT_CONNECTED', `container ${sandbox.containerName || containerId.slice(0, 12)} is not connected to network ${network}`);
  await deleteLink(attachment.hostIf);
  delete sandbox.attachments[network];
  ctx.records.saveSandbox(sandbox);
  const endpoint = ctx.records.endpoint(containerId);
  if (endpoint) {
    delete endpoint.networks[network];
    ctx.records.saveEndpoint(endpoint);
  }
  await applyDefaultRoute(ctx, sandbox);
}

/** Deletes the veths and the namespace; the records go only when everything did, so a retry can finish. */
export async function destroySandboxLocked(ctx: NetContext, containerId: string): Promise<void> {
  const sandbox = ctx.records.sandbox(containerId);
  if (!sandbox) return;
  const steps = new StepErrors();
  for (const a of Object.values(sandbox.attachments)) await steps.run(() => deleteLink(a.hostIf));
  await steps.run(() => deleteNetns(sandbox.netns));
  if (!steps.ok) return steps.throwFirst();
  ctx.records.deleteEndpoint(containerId);
  ctx.records.deleteSandbox(containerId);
}

/** Runs argv inside a sandbox's namespace (tests and diagnostics). */
export function netnsExecArgv(containerId: string, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', netnsName(containerId), ...argv];
}
