// The names the resolver answers, indexed from the network state files: per
// network, name → addresses, and which networks a client (by its source
// address) is on, so that a container sees only the names of networks it
// shares with the asker.
import { isIPv4, isIPv6 } from 'node:net';
import { contains, parseCidr, parseIp as ipv4ToNumber, type Cidr } from '../networks/ipv4.js';
import { parseUpstream, type Upstream } from './resolv-conf.js';
import type { EndpointFile, NetworkFile } from './state-files.js';

export interface DnsRecordsOptions {
  /** Search domains (the host's): `web.corp.example` is looked up as `web` too. */
  searchDomains?: string[];
}

/** Who asks: its source address, and the address it asked (a bridge gateway) when known. */
export interface DnsClient {
  ip: string;
  localAddress?: string;
}

export interface NameAddresses {
  ipv4: string[];
  ipv6: string[];
}

interface NetworkIndex {
  name: string;
  lower: string;
  byName: Map<string, NameAddresses>;
  /** IP → container name, for PTR. */
  byIp: Map<string, string>;
}

interface Membership {
  containerId: string;
  network: string;
  /** Every network that container is on. */
  networks: string[];
}

export class DnsRecords {
  private readonly networks = new Map<string, NetworkIndex>();
  private readonly clients = new Map<string, Membership[]>();
  private readonly gatewayOf = new Map<string, string>();
  private readonly searchDomains: string[];
  private readonly turns = new Map<string, number>();
  /** Client address → its container's links (alias → name). */
  private readonly linksOf = new Map<string, Map<string, string>>();
  /** Client address → that container's own upstreams. */
  private readonly ownUpstreams = new Map<string, Upstream[]>();
  private readonly internal = new Set<string>();
  private readonly subnetOf = new Map<string, Cidr>();

  constructor(networks: NetworkFile[], endpoints: EndpointFile[], opts: DnsRecordsOptions = {}) {
    this.searchDomains = (opts.searchDomains ?? []).map(normalizeName).filter(Boolean);
    for (const n of networks) {
      this.index(n.name);
      if (n.gateway) this.gatewayOf.set(n.gateway, n.name);
      if (n.internal === true) this.internal.add(n.name);
      const subnet = typeof n.subnet === 'string' ? parseCidr(n.subnet) : undefined;
      if (subnet) this.subnetOf.set(n.name, subnet);
    }
    for (const ep of endpoints) {
      const joined = Object.keys(ep.networks).sort();
      const containerName = typeof ep.containerName === 'string' ? ep.containerName.replace(/^\//, '') : '';
      for (const net of joined) {
        const att = ep.networks[net];
        if (!att || typeof att.ip !== 'string' || !(isIPv4(att.ip) || isIPv6(att.ip))) continue;
        const ip = canonicalIp(att.ip);
        const index = this.index(net);
        const names = new Set<string>();
        for (const n of Array.isArray(att.names) ? att.names : []) if (typeof n === 'string') names.add(normalizeName(n));
        if (containerName) names.add(normalizeName(containerName));
        if (ep.containerId.length >= 12) names.add(ep.containerId.slice(0, 12).toLowerCase());
        names.delete('');
        for (const name of names) addAddress(index.byName, name, ip);
        if (containerName) index.byIp.set(ip, containerName);
        if (ep.links && typeof ep.links === 'object') {
          const links = new Map<string, string>();
          for (const [alias, target] of Object.entries(ep.links)) if (typeof target === 'string') links.set(normalizeName(alias), normalizeName(target));
          this.linksOf.set(ip, links);
        }
        const own = ownUpstreams(ep.dnsServers);
        if (own) this.ownUpstreams.set(ip, own);
        const list = this.clients.get(ip) ?? [];
        list.push({ containerId: ep.containerId, network: net, networks: joined });
        this.clients.set(ip, list);
      }
    }
    for (const index of this.networks.values()) {
      for (const addrs of index.byName.values()) {
        addrs.ipv4.sort(compareIPv4);
        addrs.ipv6.sort();
      }
    }
  }

  /** Bridge gateways of the known networks: where the resolver listens. */
  gateways(): { network: string; address: string }[] {
    return [...this.gatewayOf].map(([address, network]) => ({ network, address }));
  }

  /**
   * Whether `client` is one of our containers, asking through a network it is
   * on (when it asked a bridge gateway): nobody else gets an answer, not the
   * host, not a container of another state root, not a spoofed address from
   * another network.
   */
  servesClient(client: DnsClient): boolean {
    const members = this.clients.get(canonicalIp(client.ip));
    if (!members?.length) return false;
    const via = client.localAddress ? this.gatewayOf.get(client.localAddress) : undefined;
    return via === undefined || members.some((m) => m.networks.includes(via));
  }

  /**
   * Where names that are not ours may be forwarded for this client: anywhere
   * (undefined) unless all its networks are internal; then only to its own
   * `dns:` servers inside those networks, as Docker ≥ 26 does (none: refuse).
   */
  forwardingFor(client: DnsClient): { allowed: boolean; upstreams?: Upstream[] } {
    const own = this.upstreamsFor(client);
    const nets = this.clientNetworks(client);
    if (nets.length === 0 || !nets.every((n) => this.internal.has(n))) return { allowed: true, ...(own ? { upstreams: own } : {}) };
    const inside = (own ?? []).filter((u) => {
      const ip = isIPv4(u.host) ? ipv4ToNumber(u.host) : undefined;
      return ip !== undefined && nets.some((n) => { const c = this.subnetOf.get(n); return c !== undefined && contains(c, ip); });
    });
    return inside.length ? { allowed: true, upstreams: inside } : { allowed: false };
  }

  /** Where the client's queries for other names go, when its container has `dns:` servers. */
  upstreamsFor(client: DnsClient): Upstream[] | undefined {
    return this.ownUpstreams.get(canonicalIp(client.ip));
  }

  /** The networks the client is on; the one it asked through first. */
  clientNetworks(client: DnsClient): string[] {
    const members = this.clients.get(canonicalIp(client.ip)) ?? [];
    const via = client.localAddress ? this.gatewayOf.get(client.localAddress) : undefined;
    const exact = via ? members.filter((m) => m.network === via) : [];
    const chosen = exact.length ? exact : members;
    const all = new Set(chosen.flatMap((m) => m.networks));
    if (!via || !all.has(via)) return [...all];
    all.delete(via);
    return [via, ...all];
  }

  /**
   * The addresses of `name` as the client sees them (replicas rotated
   * round-robin on each call), or undefined when the name is not ours for
   * this client. `web`, `web.`, `WEB`, `web.<network>` and `web.<search domain>` all match.
   */
  lookup(name: string, client: DnsClient): NameAddresses | undefined {
    const q = normalizeName(name);
    const linked = this.linksOf.get(canonicalIp(client.ip))?.get(q);
    const found = this.find(linked ?? q, this.clientNetworks(client));
    if (!found) return undefined;
    const key = `${found.network}\0${found.name}`;
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    return { ipv4: rotate(found.addrs.ipv4, turn), ipv6: rotate(found.addrs.ipv6, turn) };
  }

  /** `<container name>.<network>` for one of our addresses on a network the client is on. */
  lookupAddress(ip: string, client: DnsClient): string | undefined {
    for (const net of this.clientNetworks(client)) {
      const index = this.networks.get(net);
      const name = index?.byIp.get(canonicalIp(ip));
      if (name) return `${name}.${net}`;
    }
    return undefined;
  }

  private find(q: string, nets: string[]): { network: string; name: string; addrs: NameAddresses } | undefined {
    const direct = (name: string) => {
      for (const net of nets) {
        const addrs = this.networks.get(net)?.byName.get(name);
        if (addrs) return { network: net, name, addrs };
      }
      return undefined;
    };
    const hit = direct(q);
    if (hit) return hit;
    for (const net of nets) {
      const index = this.networks.get(net);
      if (!index || !q.endsWith(`.${index.lower}`)) continue;
      const name = q.slice(0, -index.lower.length - 1);
      const addrs = index.byName.get(name);
      if (addrs) return { network: net, name, addrs };
    }
    for (const domain of this.searchDomains) {
      if (q.endsWith(`.${domain}`)) {
        const stripped = direct(q.slice(0, -domain.length - 1));
        if (stripped) return stripped;
      }
    }
    return undefined;
  }

  private index(name: string): NetworkIndex {
    let index = this.networks.get(name);
    if (!index) {
      index = { name, lower: name.toLowerCase(), byName: new Map(), byIp: new Map() };
      this.networks.set(name, index);
    }
    return index;
  }
}

function ownUpstreams(servers: unknown): Upstream[] | undefined {
  if (!Array.isArray(servers)) return undefined;
  const out: Upstream[] = [];
  for (const s of servers) {
    try {
      if (typeof s === 'string') out.push(parseUpstream(s));
    } catch { /* not an address: skipped */ }
  }
  return out.length ? out : undefined;
}

/** Lower case, no trailing dot. */
export function normalizeName(name: string): string {
  return name.trim().replace(/\.+$/, '').toLowerCase();
}

/** `4.3.2.1.in-addr.arpa` → `1.2.3.4`; the 32-nibble ip6.arpa form → an IPv6 address; else undefined. */
export function reverseNameToIp(name: string): string | undefined {
  const q = normalizeName(name);
  if (q.endsWith('.in-addr.arpa')) {
    const parts = q.slice(0, -'.in-addr.arpa'.length).split('.');
    const ip = parts.reverse().join('.');
    return parts.length === 4 && isIPv4(ip) ? ip : undefined;
  }
  if (q.endsWith('.ip6.arpa')) {
    const nibbles = q.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups = hex.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ''));
    return canonicalIPv6(groups.join(':'));
  }
  return undefined;
}

/** IPv4 as is; IPv6 in its short form; `::ffff:1.2.3.4` (a v4 client on a dual-stack socket) as `1.2.3.4`. */
export function canonicalIp(ip: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4mapped) return v4mapped[1]!;
  return isIPv6(ip) ? canonicalIPv6(ip) ?? ip : ip;
}

function canonicalIPv6(ip: string): string | undefined {
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

function addAddress(map: Map<string, NameAddresses>, name: string, ip: string): void {
  let addrs = map.get(name);
  if (!addrs) map.set(name, (addrs = { ipv4: [], ipv6: [] }));
  const list = isIPv4(ip) ? addrs.ipv4 : addrs.ipv6;
  if (!list.includes(ip)) list.push(ip);
}

function rotate<T>(list: T[], turn: number): T[] {
  if (list.length < 2) return [...list];
  const k = turn % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function compareIPv4(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}
