// The short port syntax of Compose: `[[ip:]published:]target[/protocol]`,
// read as docker's `nat.ParsePortSpec` and compose-go's `ParsePortConfig` do.
import { isIP } from 'node:net';
import type { ServicePortConfig } from '../types.js';
import { ShortSyntaxError } from './errors.js';

/** A short port spec that cannot be read; the message is plain, without path or position. */
export class PortSyntaxError extends ShortSyntaxError {}

const PROTOCOLS = ['tcp', 'udp', 'sctp'];
const MAX_PORT = 65535;

/**
 * Parses a short port spec (`"8080:80"`, `"127.0.0.1:8080:80/udp"`,
 * `"8080-8082:80-82"`, `"80"`, `3000` as number) into one long-form entry per
 * port, as Docker Compose v2 does (`mode: ingress`, `protocol: tcp`,
 * `published` as a string, no `published` when none is given). A published
 * range with a single target stays one entry whose `published` is the range.
 * Throws `PortSyntaxError`.
 */
export function parsePortSpec(spec: string | number): ServicePortConfig[] {
  if (typeof spec === 'number' && !(Number.isInteger(spec) && spec >= 0)) throw expected(spec);
  const raw = String(spec);
  const { ip: rawIp, published, target: targetWithProto } = splitParts(raw);
  const slash = targetWithProto.indexOf('/');
  const target = slash < 0 ? targetWithProto : targetWithProto.slice(0, slash);
  const protocol = (slash < 0 ? '' : targetWithProto.slice(slash + 1)).toLowerCase() || 'tcp';
  if (target === '') throw expected(raw);
  if (!PROTOCOLS.includes(protocol)) {
    throw new PortSyntaxError(`invalid protocol "${protocol}" in port "${raw}" (expected tcp, udp or sctp)`);
  }
  const hostIp = parseHostIp(rawIp, raw);

  const [start, end] = parseRange(target, raw);
  let hostStart = 0;
  let hostEnd = 0;
  if (published !== '') {
    [hostStart, hostEnd] = parseRange(published, raw);
    // A published range for a single target is a range to pick one host port from.
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw new PortSyntaxError(`port ranges "${published}" and "${target}" have different sizes in "${raw}"`);
    }
  }

  const out: ServicePortConfig[] = [];
  const count = end - start + 1;
  for (let i = 0; i < count; i++) {
    // Keys in the order `docker compose config` prints them.
    const entry: ServicePortConfig = { mode: 'ingress' } as ServicePortConfig;
    if (hostIp !== '') entry.host_ip = hostIp;
    entry.target = start + i;
    if (published !== '') {
      entry.published = count === 1 && hostStart !== hostEnd ? `${hostStart}-${hostEnd}` : String(hostStart + i);
    }
    entry.protocol = protocol as ServicePortConfig['protocol'];
    out.push(entry);
  }
  // compose-go sorts the ports of one spec as strings ("100/tcp" before "99/tcp").
  return out.sort((a, b) => (String(a.target) < String(b.target) ? -1 : String(a.target) > String(b.target) ? 1 : 0));
}

function splitParts(raw: string): { ip: string; published: string; target: string } {
  const parts = raw.split(':');
  const n = parts.length;
  if (n === 1) return { ip: '', published: '', target: parts[0]! };
  if (n === 2) return { ip: '', published: parts[0]!, target: parts[1]! };
  return { ip: parts.slice(0, n - 2).join(':'), published: parts[n - 2]!, target: parts[n - 1]! };
}

function parseHostIp(rawIp: string, raw: string): string {
  if (rawIp === '') return '';
  let ip = rawIp;
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw invalidIp(rawIp, raw);
    ip = ip.slice(1, -1);
  }
  // Go's net.ParseIP takes no zone (`fe80::1%eth0`).
  if (isIP(ip) === 0 || ip.includes('%')) throw invalidIp(rawIp, raw);
  return ip;
}

function invalidIp(ip: string, raw: string): PortSyntaxError {
  // "80:80:80:80" reads as IP "80:80": that is a malformed spec, not a bad address.
  if (/^[\d:]*$/.test(ip)) return expected(raw);
  return new PortSyntaxError(`invalid IP address "${ip}" in port "${raw}"`);
}

/** `"80"` → [80, 80]; `"80-82"` → [80, 82]. As go-connections, parts after a second `-` are ignored. */
function parseRange(text: string, raw: string): [number, number] {
  const parts = text.split('-');
  const start = parsePort(parts[0]!, raw);
  if (parts.length === 1) return [start, start];
  const end = parsePort(parts[1]!, raw);
  if (end < start) throw new PortSyntaxError(`invalid port range "${text}"`);
  return [start, end];
}

function parsePort(text: string, raw: string): number {
  if (!/^\d+$/.test(text)) throw expected(raw);
  const n = Number(text);
  if (n > MAX_PORT) throw new PortSyntaxError(`port ${text.replace(/^0+(?=\d)/, '')} is out of range`);
  return n;
}

function expected(raw: string | number): PortSyntaxError {
  return new PortSyntaxError(`expected a port like "8080:80", got "${raw}"`);
}
