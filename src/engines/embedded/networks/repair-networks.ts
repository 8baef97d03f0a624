// The kernel objects of each network record, verified and put back, as Docker
// restores its networks when it starts: the bridge (made again if a command
// was killed between the record and the bridge, or the host rebooted), its
// state UP, its gateway address, and its firewall rules (a command killed
// between the bridge and its rules left it dead). Cheap when all is well:
// one `ip -j addr` and one `iptables-save`, side by side, started early.
import { ip, ipJson, sysctl } from './commands.js';
import { bridgeNet, type NetContext } from './context.js';
import { deleteTagged, ensureChainsAndAdd, ourFirewallLines } from './firewall.js';
import { createBridge } from './links.js';
import { isolationRules, networkRules } from './network-rules.js';
import type { NetworkRecord } from './records.js';

export interface AddrLink {
  ifname: string;
  flags?: string[];
  addr_info?: Array<{ family?: string; local?: string; prefixlen?: number }>;
}

export interface NetworkDamage {
  network: string;
  /** What was wrong, in words: "bridge tsc… missing", "bridge down", "gateway address missing", "firewall rules missing". */
  problems: string[];
}

/** What the kernel has of our networks: each link with its addresses, and our firewall lines. */
export interface KernelNetState {
  links: Map<string, AddrLink>;
  rules: string[];
}

/** Reads the kernel's state: `ip -j addr` and `iptables-save`, side by side. */
export async function readKernelNetState(): Promise<KernelNetState> {
  const [addrs, rules] = await Promise.all([ipJson<AddrLink>('addr', 'show'), ourFirewallLines()]);
  return { links: new Map(addrs.map((l) => [l.ifname, l])), rules };
}

/** What is wrong with each network's kernel objects (nothing changed); `kernel`: that state read already. */
export async function findNetworkDamage(ctx: NetContext, kernel?: Promise<KernelNetState>): Promise<NetworkDamage[]> {
  const records = ctx.records.networks();
  if (records.length === 0) return [];
  const { links, rules } = await (kernel ?? readKernelNetState());
  const out: NetworkDamage[] = [];
  for (const r of records) {
    const problems = damageOf(r, links.get(r.bridge), rules);
    if (problems.length) out.push({ network: r.name, problems });
  }
  return out;
}

function damageOf(r: NetworkRecord, link: AddrLink | undefined, rules: string[]): string[] {
  if (!link) return [`bridge ${r.bridge} missing`];
  const problems: string[] = [];
  if (!link.flags?.includes('UP')) problems.push(`bridge ${r.bridge} down`);
  const prefix = Number(r.subnet.split('/')[1]);
  if (!link.addr_info?.some((a) => a.family === 'inet' && a.local === r.gateway && a.prefixlen === prefix)) problems.push(`gateway address ${r.gateway}/${prefix} missing`);
  const tag = new RegExp(`--comment "?tsc:${r.id.slice(0, 12)}"?(\\s|$)`);
  const want = networkRules(bridgeNet(r)).length;
  if (rules.filter((l) => tag.test(l)).length < want) problems.push('firewall rules missing');
  return problems;
}

/** Puts back what `findNetworkDamage` found; call under the global lock. Returns the networks repaired. */
export async function repairNetworksLocked(ctx: NetContext): Promise<NetworkDamage[]> {
  const damage = await findNetworkDamage(ctx);
  for (const d of damage) {
    const r = ctx.records.network(d.network);
    if (r) await repairNetwork(ctx, r, d.problems);
  }
  return damage;
}

async function repairNetwork(ctx: NetContext, r: NetworkRecord, problems: string[]): Promise<void> {
  const prefix = r.subnet.split('/')[1];
  if (problems.some((p) => p.endsWith('missing') && p.startsWith('bridge'))) {
    await createBridge({ name: r.bridge, address: `${r.gateway}/${prefix}`, mtu: r.mtu, alias: ctx.linkAlias });
  } else {
    if (problems.some((p) => p.startsWith('gateway address'))) await ip('addr', 'replace', `${r.gateway}/${prefix}`, 'dev', r.bridge);
    if (problems.some((p) => p.endsWith('down'))) await ip('link', 'set', 'dev', r.bridge, 'up');
  }
  // All of its rules again, none twice: a partial set is replaced whole.
  await deleteTagged(r.id.slice(0, 12));
  if (!r.internal) await sysctl('net.ipv4.ip_forward', '1');
  const me = bridgeNet(r);
  const others = ctx.records.networks().filter((o) => o.id !== r.id);
  await ensureChainsAndAdd([...networkRules(me), ...others.flatMap((o) => isolationRules(me, bridgeNet(o)))]);
}
