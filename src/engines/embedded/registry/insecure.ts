// Which registries may be reached without a verified TLS certificate, with
// Docker's semantics: loopback registries always, and those listed as
// insecure (`host[:port]` or a CIDR of IP addresses). An insecure registry is
// tried over HTTPS without verifying its certificate first, then over plain
// HTTP. The list comes from TSCOMPOSE_INSECURE_REGISTRIES (comma-separated)
// and from the `insecure-registries` of Docker's own /etc/docker/daemon.json,
// so a machine set up for `docker pull` needs nothing more.
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';

export const DOCKER_DAEMON_JSON = '/etc/docker/daemon.json';

export interface InsecureOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of a Docker daemon.json (tests give their own). */
  daemonJson?: string;
}

export function insecureRegistries(opts: InsecureOptions = {}): string[] {
  const env = opts.env ?? process.env;
  const fromEnv = (env.TSCOMPOSE_INSECURE_REGISTRIES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  let fromDocker: string[] = [];
  try {
    const parsed = JSON.parse(readFileSync(opts.daemonJson ?? DOCKER_DAEMON_JSON, 'utf8')) as { 'insecure-registries'?: unknown };
    const list = parsed['insecure-registries'];
    if (Array.isArray(list)) fromDocker = list.filter((x): x is string => typeof x === 'string');
  } catch { /* no daemon.json, or not JSON: Docker would refuse to start; we just ignore it */ }
  return [...fromEnv, ...fromDocker].map((e) => e.replace(/^https?:\/\//, '').replace(/\/+$/, ''));
}

/** `host` is a registry host as in a reference: `localhost:5000`, `10.0.0.5:5000`, `[::1]:5000`, `reg.example`. */
export function isInsecureRegistry(host: string, list: readonly string[] = insecureRegistries()): boolean {
  const hostname = hostnameOf(host);
  if (isLoopback(hostname)) return true;
  if (list.includes(host)) return true;
  const family = isIP(hostname);
  if (!family) return false;
  const blocks = new BlockList();
  for (const entry of list) {
    const [net, bits] = entry.split('/');
    if (!bits || !isIP(net!)) continue;
    blocks.addSubnet(net!, Number(bits), isIP(net!) === 6 ? 'ipv6' : 'ipv4');
  }
  return blocks.check(hostname, family === 6 ? 'ipv6' : 'ipv4');
}

export function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

/** The port of `host[:port]`, `[v6]:port`; undefined when none is written. */
export function portOf(host: string): number | undefined {
  const m = /:(\d+)$/.exec(host.startsWith('[') ? host.slice(host.indexOf(']') + 1) : host);
  return m ? Number(m[1]) : undefined;
}

function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '::1') return true;
  return isIP(hostname) === 4 && hostname.startsWith('127.');
}
