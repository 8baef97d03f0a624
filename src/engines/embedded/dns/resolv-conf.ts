// The host's resolvers, where names that are not ours are forwarded.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

export interface ResolvConf {
  nameservers: string[];
  search: string[];
}

export const HOST_RESOLV_CONF = '/etc/resolv.conf';
/** What systemd-resolved's 127.0.0.53 stub forwards to; used when /etc/resolv.conf holds only the stub. */
export const SYSTEMD_RESOLV_CONF = '/run/systemd/resolve/resolv.conf';
const SYSTEMD_STUB = '127.0.0.53';

export function parseResolvConf(text: string): ResolvConf {
  const nameservers: string[] = [];
  let search: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...values] = line.split(/\s+/);
    if (key === 'nameserver' && values[0]) {
      const addr = values[0].replace(/%.*$/, ''); // fe80::1%eth0: zone ids are not usable here
      if (isIP(addr)) nameservers.push(addr);
    } else if (key === 'search' || key === 'domain') {
      search = values.filter(Boolean); // the last of search/domain wins, as in glibc
    }
  }
  return { nameservers, search };
}

/**
 * The host's resolv.conf (port 53 each). When it names only systemd-resolved's
 * stub, the stub's own upstreams are used where they can be read, so answers do
 * not depend on the stub's per-link routing; otherwise the stub itself (we run
 * in the host's network namespace, so it is reachable).
 */
export function readHostResolvConf(path = HOST_RESOLV_CONF): ResolvConf {
  const conf = readOrEmpty(path);
  if (path === HOST_RESOLV_CONF && conf.nameservers.length > 0 && conf.nameservers.every((ns) => ns === SYSTEMD_STUB)) {
    const real = readOrEmpty(SYSTEMD_RESOLV_CONF);
    if (real.nameservers.length > 0) return { nameservers: real.nameservers, search: conf.search };
  }
  return conf;
}

/** Upstreams minus our own listeners (forwarding to ourselves would loop), at most `max` of them. */
export function selectUpstreams(candidates: Upstream[], ownListeners: Upstream[], max = 3): Upstream[] {
  const own = new Set(ownListeners.map(key));
  const seen = new Set<string>();
  const out: Upstream[] = [];
  for (const u of candidates) {
    const k = key(u);
    if (own.has(k) || seen.has(k) || isUnspecified(u.host)) continue;
    seen.add(k);
    out.push(u);
    if (out.length >= max) break;
  }
  return out;
}

/** `1.2.3.4`, `1.2.3.4:5353`, `[::1]:5353` → an Upstream (port 53 unless given). */
export function parseUpstream(text: string): Upstream {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(text);
  const host = bracket?.[1] ?? (isIP(text) === 6 ? text : plain?.[1]);
  const port = Number(bracket?.[2] ?? (isIP(text) === 6 ? undefined : plain?.[2]) ?? 53);
  if (!host || !isIP(host) || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid DNS server address "${text}": expected an IP address with an optional port`);
  return { host, port };
}

function readOrEmpty(path: string): ResolvConf {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return { nameservers: [], search: [] };
  }
}

function key(u: Upstream): string {
  return `${u.host.toLowerCase()}|${u.port}`;
}

function isUnspecified(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}
