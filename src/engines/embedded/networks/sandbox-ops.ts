// Sandboxes: a named network namespace per container, and one veth endpoint
// per network it joins. Records are written before the kernel objects are
// made, so an interrupted command leaves something teardown can find.
import { existsSync } from 'node:fs';
import { TscError } from '../../../util/errors.js';
import { pollUntil } from '../runtime/poll.js';
import type { NetContext } from './context.js';
import { allocateAddress } from './ipam.js';
import { checkMac, macFromIp, mustParseIp } from './ipv4.js';
import { ipBatched } from './ip-batcher.js';
import { createNetns, createVeth, deleteLink, deleteNetns, setDefaultRoute, type VethOptions } from './links.js';
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
  /** Its links: alias → name, answered only to this container. */
  links?: Record<string, string>;
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

/** Runs `fn` under the state root's global lock. */
export type Locker = <T>(operation: string, fn: () => Promise<T> | T) => Promise<T>;

/**
 * Only the address allocation and the records run under the global lock (IPAM
 * reads every sandbox): the kernel objects of distinct containers are made in
 * parallel. The attachment is recorded first, so teardown finds a half-made one.
 */
export async function connectSandbox(ctx: NetContext, lock: Locker, containerId: string, network: string, ep: ConnectEndpoint): Promise<ConnectResult> {
  const r = await lock('connect', () => reserveEndpoint(ctx, containerId, network, ep));
  try {
    await createVeth(r.veth, r.route);
  } catch (error) {
    await lock('connect', () => {
      const sandbox = ctx.records.sandbox(containerId);
      if (sandbox?.attachments[network]) {
        delete sandbox.attachments[network];
        ctx.records.saveSandbox(sandbox);
      }
    });
    throw error;
  }
  await lock('connect', () => {
    const endpoint = ctx.records.endpoint(containerId) ?? { containerId, containerName: r.containerName, networks: {} };
    if (ep.dnsServers?.length) endpoint.dnsServers = [...ep.dnsServers];
    if (ep.links && Object.keys(ep.links).length) endpoint.links = { ...ep.links };
    endpoint.networks[network] = { ip: r.result.ip, gateway: r.result.gateway, subnet: r.subnet, mac: r.result.mac, ifname: r.result.ifname, names: unique([...ep.names, ...(ep.aliases ?? [])]) };
    ctx.records.saveEndpoint(endpoint);
  });
  return r.result;
}

interface Reservation {
  result: ConnectResult;
  veth: VethOptions;
  route: { gateway: string } | undefined;
  subnet: string;
  containerName: string;
}

function reserveEndpoint(ctx: NetContext, containerId: string, network: string, ep: ConnectEndpoint): Reservation {
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
  // The default route changes only when the new endpoint is now the best one.
  const route = bestAttachment(sandbox)?.[0] === network ? { gateway: net.gateway } : undefined;
  return {
    result: { ip: address, prefixLen, gateway: net.gateway, mac, ifname },
    veth: { hostIf: attachment.hostIf, alias: ctx.linkAlias, netns: sandbox.netns, ifname, mac, mtu: net.mtu, bridge: net.bridge, address: `${address}/${prefixLen}` },
    route,
    subnet: net.subnet,
    containerName: sandbox.containerName,
  };
}

function unique(names: string[]): string[] {
  return [...new Set(names.filter(Boolean))];
}

/** The default route goes through the gateway of the non-internal network with the highest gwPriority (ties: the first joined). */
async function applyDefaultRoute(ctx: NetContext, sandbox: SandboxRecord): Promise<void> {
  const best = bestAttachment(sandbox);
  const gateway = best && ctx.records.network(best[0])?.gateway;
  await setDefaultRoute(sandbox.netns, best && gateway ? { gateway, ifname: best[1].ifname } : undefined);
}

function bestAttachment(sandbox: SandboxRecord): [string, Attachment] | undefined {
  return Object.entries(sandbox.attachments)
    .filter(([, a]) => !a.internal)
    .sort(([, a], [, b]) => b.gwPriority - a.gwPriority || a.seq - b.seq)[0];
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

/**
 * How the host ends of a sandbox's veths went: none to remove; with the
 * namespace (the kernel's doing); deleted at once (a container that joined the
 * namespace keeps it alive, or it was gone already); deleted one by one, still
 * there VETH_GONE_MS after the namespace.
 */
export type VethRemoval = 'none' | 'kernel' | 'direct' | 'after-wait';

export interface SandboxTeardownResult {
  veths: VethRemoval;
}

/**
 * Deletes the namespace, and the veths with it; the records go only when
 * everything did, so a retry can finish. Needs no global lock: it frees only
 * what this container's records hold, and the records last (IPAM counts them as taken).
 */
export async function destroySandboxLocked(ctx: NetContext, containerId: string): Promise<SandboxTeardownResult | undefined> {
  const sandbox = ctx.records.sandbox(containerId);
  if (!sandbox) return undefined;
  const links = Object.values(sandbox.attachments).map((a) => a.hostIf);
  // A container in the namespace keeps it, veths and all, once its name is gone: those are deleted now, not waited for.
  const kept = links.length > 0 && isJoined(ctx, containerId);
  // In one process with other containers' teardowns. The kernel removes a
  // dead namespace's veths (their host ends too), those of every namespace of
  // the wave at once: a `link del` each costs ~30 ms of kernel time instead.
  const [deleted, notDeleted] = await Promise.all([
    ipBatched([['netns', 'del', sandbox.netns]]).then(() => true, () => false),
    kept ? linksNotDeleted(links) : Promise.resolve([]),
  ]);
  // Not deleted (gone already, or a failure): step by step (a gone thing is done), as are the kept ones that failed in the batch.
  let removal: { veths: VethRemoval; left: string[] };
  if (!deleted) removal = { veths: 'direct', left: links };
  else if (kept) removal = { veths: 'direct', left: notDeleted };
  else removal = await vethsGoneWithNetns(links);
  const steps = new StepErrors();
  for (const l of removal.left) await steps.run(() => deleteLink(l));
  if (!deleted) await steps.run(() => deleteNetns(sandbox.netns));
  steps.throwFirst();
  ctx.records.deleteEndpoint(containerId);
  ctx.records.deleteSandbox(containerId);
  return { veths: links.length === 0 ? 'none' : removal.veths };
}

/** The namespace is deleted and nothing holds it: the kernel removes its veths, given VETH_GONE_MS; what is left is returned. */
async function vethsGoneWithNetns(links: string[]): Promise<{ veths: VethRemoval; left: string[] }> {
  const left = await linksLeftAfter(links, VETH_GONE_MS);
  return { veths: left.length > 0 ? 'after-wait' : 'kernel', left };
}

/** Whether the run of another container joined this container's namespace (`network_mode: container:<it>`). */
function isJoined(ctx: NetContext, containerId: string): boolean {
  try {
    return ctx.records.joins().some((j) => j.sandbox === containerId && j.containerId !== containerId);
  } catch {
    // A damaged note (doctor --repair quarantines it) must not stop the teardown: deleting the veths at once is right either way.
    return true;
  }
}

/** Deletes the links in the wave of other teardowns; resolves to those whose `link del` failed. */
async function linksNotDeleted(names: string[]): Promise<string[]> {
  const failed = await Promise.all(names.map((n) => ipBatched([['link', 'del', 'dev', n]]).then(() => undefined, () => n)));
  return failed.filter((n): n is string => n !== undefined);
}

/** How long the kernel gets to dismantle a deleted namespace before its veths are deleted one by one. */
const VETH_GONE_MS = 2_000;

/** The host links of `names` still there once they are all gone or `ms` have passed. */
async function linksLeftAfter(names: string[], ms: number): Promise<string[]> {
  const left = () => names.filter((n) => existsSync(`/sys/class/net/${n}`));
  await pollUntil(() => left().length === 0, ms);
  return left();
}

/** Runs argv inside a sandbox's namespace (tests and diagnostics). */
export function netnsExecArgv(containerId: string, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', netnsName(containerId), ...argv];
}

/**
 * A renamed container's records: its sandbox and endpoint say the new name,
 * and on each network the old name gives way to it (as moby's sandbox Rename
 * and UpdateDNSNames). False when the container has no endpoint.
 */
export function renameEndpointLocked(ctx: NetContext, containerId: string, from: string, to: string): boolean {
  const sandbox = ctx.records.sandbox(containerId);
  if (sandbox) ctx.records.saveSandbox({ ...sandbox, containerName: to });
  const endpoint = ctx.records.endpoint(containerId);
  if (!endpoint) return false;
  for (const entry of Object.values(endpoint.networks)) entry.names = swapName(entry.names, from, to);
  ctx.records.saveEndpoint({ ...endpoint, containerName: to });
  return true;
}

/** `names` with `from` replaced by `to` (kept unique). */
export function swapName(names: string[], from: string, to: string): string[] {
  return unique(names.map((n) => (n === from ? to : n)));
}
