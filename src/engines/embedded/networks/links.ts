// Bridges, network namespaces and veth pairs, made with `ip`. A step that
// fails removes what it made before rethrowing.
import { TscError } from '../../../util/errors.js';
import { ProcessError } from '../../../util/exec.js';
import { ignoreGone, ip, ipBatch, linkExists, sysctl } from './commands.js';

export interface BridgeOptions {
  name: string;
  /** `172.18.0.1/16`: the gateway, on the bridge. */
  address: string;
  mtu?: number;
  /** Kept in the link's ifalias: tells whose it is. */
  alias: string;
}

export async function createBridge(o: BridgeOptions): Promise<void> {
  if (await linkExists(o.name)) {
    throw new TscError('BRIDGE_EXISTS', `cannot create bridge ${o.name}: an interface of that name already exists on the host (choose another com.docker.network.bridge.name, or remove it: ip link del ${o.name})`);
  }
  await ip('link', 'add', 'name', o.name, ...(o.mtu ? ['mtu', String(o.mtu)] : []), 'type', 'bridge');
  try {
    await ip('link', 'set', 'dev', o.name, 'alias', o.alias);
    await ip('addr', 'add', o.address, 'dev', o.name);
    // Published ports reached on 127.0.0.1 are DNATed out through this bridge.
    await sysctl(`net.ipv4.conf.${o.name}.route_localnet`, '1');
    await ip('link', 'set', 'dev', o.name, 'up');
  } catch (error) {
    await deleteLink(o.name).catch(() => undefined);
    throw error;
  }
}

export async function deleteLink(name: string): Promise<void> {
  await ignoreGone(() => ip('link', 'del', 'dev', name));
}

/** The named netns, its `lo` still down: the first createVeth into it brings it up (a process saved per container). */
export async function createNetns(name: string): Promise<void> {
  await ip('netns', 'add', name);
}

export async function deleteNetns(name: string): Promise<void> {
  await ignoreGone(() => ip('netns', 'del', name));
}

export interface VethOptions {
  hostIf: string;
  alias: string;
  netns: string;
  ifname: string;
  mac: string;
  mtu?: number;
  bridge: string;
  /** `172.18.0.2/16` */
  address: string;
}

/**
 * The veth pair, its host end on the bridge and its container end addressed
 * and up, and the namespace's `lo` up: one `ip -batch` on the host, one in the namespace. `defaultRoute`
 * points the namespace's default route at the gateway through this end.
 */
export async function createVeth(o: VethOptions, defaultRoute?: { gateway: string }): Promise<void> {
  const mtu = o.mtu ? ['mtu', String(o.mtu)] : [];
  try {
    await ipBatch([
      ['link', 'add', 'name', o.hostIf, ...mtu, 'type', 'veth', 'peer', 'name', o.ifname, ...mtu, 'address', o.mac, 'netns', o.netns],
      ['link', 'set', 'dev', o.hostIf, 'alias', o.alias],
      ['link', 'set', 'dev', o.hostIf, 'master', o.bridge],
      // A container reaching its own published port: with br_netfilter the DNATed
      // frame is bridged straight back out of the port it came in on.
      ['link', 'set', 'dev', o.hostIf, 'type', 'bridge_slave', 'hairpin', 'on'],
      ['link', 'set', 'dev', o.hostIf, 'up'],
    ]);
    await ipBatch([
      ['link', 'set', 'dev', 'lo', 'up'],
      ['addr', 'add', o.address, 'dev', o.ifname],
      ['link', 'set', 'dev', o.ifname, 'up'],
      ...(defaultRoute ? [['route', 'replace', 'default', 'via', defaultRoute.gateway, 'dev', o.ifname]] : []),
    ], { netns: o.netns });
  } catch (error) {
    // The first line failing: no link was made here (the name may be someone else's): leave it.
    const notMade = error instanceof ProcessError && error.argv[1] === 'link' && error.argv[2] === 'add';
    if (!notMade) await deleteLink(o.hostIf).catch(() => undefined);
    throw error;
  }
}

/** Points the namespace's default route at `gateway` through `ifname`, or removes it. */
export async function setDefaultRoute(netns: string, route: { gateway: string; ifname: string } | undefined): Promise<void> {
  if (route) await ip('-n', netns, 'route', 'replace', 'default', 'via', route.gateway, 'dev', route.ifname);
  else await ignoreGone(() => ip('-n', netns, 'route', 'del', 'default'));
}
