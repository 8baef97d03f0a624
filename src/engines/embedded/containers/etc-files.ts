// The /etc/hosts, /etc/hostname and /etc/resolv.conf a container gets, as
// Docker writes them (libnetwork etchosts and resolvconf packages).
import { readFileSync } from 'node:fs';

export interface HostsOptions {
  hostname: string;
  domainname?: string;
  extraHosts?: Array<{ host: string; ip: string }>;
  /** The container's own address; loopback until containers get networks. */
  ip?: string;
}

const DEFAULT_HOSTS = [
  ['127.0.0.1', 'localhost'],
  ['::1', 'localhost ip6-localhost ip6-loopback'],
  ['fe00::0', 'ip6-localnet'],
  ['ff00::0', 'ip6-mcastprefix'],
  ['ff02::1', 'ip6-allnodes'],
  ['ff02::2', 'ip6-allrouters'],
];

export function buildHostsFile(opts: HostsOptions): string {
  const lines = DEFAULT_HOSTS.map(([ip, names]) => `${ip}\t${names}`);
  for (const { host, ip } of opts.extraHosts ?? []) lines.push(`${ip}\t${host}`);
  const names = opts.domainname ? `${opts.hostname}.${opts.domainname} ${opts.hostname}` : opts.hostname;
  lines.push(`${opts.ip ?? '127.0.0.1'}\t${names}`);
  return lines.join('\n') + '\n';
}

export function buildHostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

export interface ResolvConfOptions {
  /** The host's resolv.conf text. */
  host: string;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** Host networking keeps loopback resolvers (they are reachable there). */
  hostNetwork?: boolean;
}

/** Docker's fallback when no usable resolver is left. */
const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

/**
 * The host's file with `dns`, `dns_search`, `dns_opt` replacing its own
 * entries; loopback nameservers (systemd-resolved's 127.0.0.53...) are
 * dropped for containers with their own network namespace, as Docker does.
 */
export function buildResolvConf(opts: ResolvConfOptions): string {
  const lines = opts.host.split('\n');
  const kept: string[] = [];
  let nameservers: string[] = [];
  let search: string[] | undefined;
  let options: string[] | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') search = rest;
    else if (key === 'options') options = [...(options ?? []), ...rest];
    else if (line && !line.startsWith('#') && !line.startsWith(';')) kept.push(line);
  }
  if (!opts.hostNetwork) nameservers = nameservers.filter((ns) => !isLoopback(ns));
  if (opts.dns?.length) nameservers = [...opts.dns];
  if (nameservers.length === 0 && !opts.hostNetwork) nameservers = [...DEFAULT_NAMESERVERS];
  if (opts.dnsSearch?.length) search = opts.dnsSearch.filter((s) => s !== '.');
  if (opts.dnsOptions?.length) options = [...opts.dnsOptions];
  const out = nameservers.map((ns) => `nameserver ${ns}`);
  if (search?.length) out.push(`search ${search.join(' ')}`);
  if (options?.length) out.push(`options ${options.join(' ')}`);
  return [...out, ...kept].join('\n') + '\n';
}

/**
 * A container on a user-defined network asks our resolver on its gateway
 * (Docker's 127.0.0.11) and nothing else: `dns` servers are where the
 * resolver forwards that container's other queries. Search domains and
 * options are the host's unless given, with `ndots:0` added as Docker does.
 */
export function buildNetworkResolvConf(opts: { host: string; resolver: string; dnsSearch?: string[]; dnsOptions?: string[] }): string {
  const base = buildResolvConf({ host: opts.host, dns: [opts.resolver], dnsSearch: opts.dnsSearch, dnsOptions: opts.dnsOptions });
  const lines = base.trimEnd().split('\n');
  const i = lines.findIndex((l) => l.startsWith('options '));
  if (i < 0) lines.push('options ndots:0');
  else if (!/\bndots:/.test(lines[i]!)) lines[i] += ' ndots:0';
  return lines.join('\n') + '\n';
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

/** systemd-resolved's stub points at 127.0.0.53: its real upstream list is elsewhere. */
export function readHostResolvConf(): string {
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  };
  const main = read('/etc/resolv.conf') ?? '';
  if (/^\s*nameserver\s+127\.0\.0\.53\b/m.test(main)) return read('/run/systemd/resolve/resolv.conf') ?? main;
  return main;
}

export function readHostHosts(): string {
  try {
    return readFileSync('/etc/hosts', 'utf8');
  } catch {
    return buildHostsFile({ hostname: 'localhost' });
  }
}
