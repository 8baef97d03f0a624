// extra_hosts entries: `host=ip`, `host:ip` (the first `=` wins, then the
// first `:`), several addresses separated by commas, IPv6 in brackets,
// read as compose-go's `types.HostsList`.
import type { HostsMap } from '../types.js';
import { ShortSyntaxError } from './errors.js';

export class ExtraHostSyntaxError extends ShortSyntaxError {}

/** `"db=10.0.0.2"` → `['db', ['10.0.0.2']]`; `"v6:[::1]"` → `['v6', ['::1']]`. */
export function parseExtraHost(entry: string): [string, string[]] {
  const sep = entry.includes('=') ? '=' : entry.includes(':') ? ':' : undefined;
  if (sep === undefined) throw new ExtraHostSyntaxError(`invalid extra host "${entry}": missing IP address (expected "host=ip")`);
  const at = entry.indexOf(sep);
  const host = checkHost(entry.slice(0, at));
  return [host, entry.slice(at + 1).split(',').map(stripBrackets)];
}

/** A list or a mapping of extra hosts → host → address, or host → addresses when there are several. */
export function parseExtraHosts(value: readonly unknown[] | Readonly<Record<string, unknown>>): HostsMap {
  const hosts = new Map<string, string[]>();
  if (Array.isArray(value)) {
    for (const entry of value) {
      const [host, ips] = parseExtraHost(String(entry));
      hosts.set(host, [...(hosts.get(host) ?? []), ...ips]);
    }
  } else {
    for (const [host, ips] of Object.entries(value)) hosts.set(checkHost(host), hostAddresses(ips));
  }
  const out: HostsMap = {};
  for (const [host, ips] of hosts) out[host] = hostsValue(ips);
  return out;
}

/** The addresses of one host in the mapping form (a string, a list, or null for none). */
export function hostAddresses(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value ?? ''];
  return list.map((ip) => stripBrackets(String(ip ?? '')));
}

export function hostsValue(ips: string[]): string | string[] {
  return ips.length === 1 ? ips[0]! : ips;
}

export function checkHost(host: string): string {
  if (host === '' || /[:=]/.test(host)) throw new ExtraHostSyntaxError(`bad host name "${host}"`);
  return host;
}

function stripBrackets(ip: string): string {
  return ip.length > 2 && ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
}
