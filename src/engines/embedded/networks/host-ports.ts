// Host ports: which are taken (by a listening socket of any process, or by a
// container of ours) and a free one when none is asked for, found as Docker
// does: from the kernel's ephemeral range, bind-tested.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { PortBinding } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import { parseIp } from './ipv4.js';
import type { PublishedPort } from './port-rules.js';
import { boundSockets, socketCovers, socketOwner } from './proc-sockets.js';

export interface PortHolder {
  containerName: string;
  ports: PublishedPort[];
}

/** A wanted binding, its host port a single port, a range `8000-8010`, or undefined for any. */
interface Wanted {
  hostIp: string;
  range?: [number, number];
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

function normalize(b: PortBinding): Wanted | undefined {
  const hostIp = b.hostIp ?? '';
  if (hostIp.includes(':')) return undefined; // IPv6 host addresses: not served by the IPv4 rules
  if (hostIp && parseIp(hostIp) === undefined) throw new TscError('INVALID_HOST_IP', `invalid host_ip "${hostIp}" for port ${b.containerPort}: expected an IPv4 address`);
  if (b.protocol === 'sctp') throw new TscError('UNSUPPORTED_PROTOCOL', `port ${b.containerPort}/sctp: SCTP ports cannot be published by the embedded engine; use tcp or udp, or --engine docker`);
  const text = b.hostPort ?? '';
  if (text === '' || text === '0') return { hostIp, containerPort: b.containerPort, protocol: b.protocol };
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m?.[2] ? Number(m[2]) : lo;
  if (!m || lo < 1 || hi > 65535 || hi < lo) throw new TscError('INVALID_PORT', `invalid host port "${text}" for port ${b.containerPort}: expected a number from 1 to 65535 or a range like 8000-8010`);
  return { hostIp, range: [lo, hi], containerPort: b.containerPort, protocol: b.protocol };
}

function sameAddress(a: string, b: string): boolean {
  const any = (x: string) => !x || x === '0.0.0.0';
  return any(a) || any(b) || a === b;
}

/** Who holds `port`, in words, or undefined when it is free for this binding. */
function holderOf(port: number, protocol: 'tcp' | 'udp', hostIp: string, ours: PortHolder[]): string | undefined {
  for (const h of ours) {
    if (h.ports.some((p) => p.hostPort === port && p.protocol === protocol && sameAddress(p.hostIp, hostIp))) return `container ${h.containerName}`;
  }
  const socket = boundSockets(protocol).find((s) => s.port === port && socketCovers(s, hostIp));
  if (!socket) return undefined;
  const owner = socketOwner(socket.inode);
  return owner ? `${owner.name} (pid ${owner.pid})` : 'another process';
}

function inUse(port: number, protocol: string, who: string): TscError {
  return new TscError('PORT_IN_USE', `port ${port}${protocol === 'udp' ? '/udp' : ''} is already in use by ${who}: stop it or publish another port`);
}

/** Throws a clear error for the first fixed host port that is taken; ports left to choose are not checked. */
export function checkPortsFree(bindings: PortBinding[], ours: PortHolder[]): void {
  const seen: PublishedPort[] = [];
  for (const b of bindings) {
    const w = normalize(b);
    if (!w?.range || w.range[0] !== w.range[1]) continue;
    const port = w.range[0];
    if (seen.some((p) => p.hostPort === port && p.protocol === w.protocol && sameAddress(p.hostIp, w.hostIp))) {
      throw new TscError('PORT_IN_USE', `port ${port}${w.protocol === 'udp' ? '/udp' : ''} is published twice: publish another port for container port ${w.containerPort}`);
    }
    const who = holderOf(port, w.protocol, w.hostIp, ours);
    if (who) throw inUse(port, w.protocol, who);
    seen.push({ hostIp: w.hostIp, hostPort: port, containerPort: w.containerPort, protocol: w.protocol });
  }
}

function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi && lo <= hi) return [lo, hi];
  } catch { /* not Linux */ }
  return [49153, 60999];
}

/** True when a socket can be bound there now (it is closed again at once). */
export function canBind(port: number, protocol: 'tcp' | 'udp', hostIp: string): Promise<boolean> {
  const host = hostIp || '0.0.0.0';
  return new Promise((resolve) => {
    if (protocol === 'tcp') {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
    } else {
      const socket = createSocket('udp4');
      socket.once('error', () => { socket.close(); resolve(false); });
      socket.bind({ port, address: host, exclusive: true }, () => socket.close(() => resolve(true)));
    }
  });
}

/**
 * Host ports for every binding: fixed ones checked, ranges and empty ones
 * given a free port. Bindings with an IPv6 host address are left out.
 */
export async function resolveHostPorts(bindings: PortBinding[], ours: PortHolder[]): Promise<PublishedPort[]> {
  checkPortsFree(bindings, ours);
  const out: PublishedPort[] = [];
  const taken = (port: number, w: Wanted) =>
    out.some((p) => p.hostPort === port && p.protocol === w.protocol && sameAddress(p.hostIp, w.hostIp)) || holderOf(port, w.protocol, w.hostIp, ours) !== undefined;
  for (const b of bindings) {
    const w = normalize(b);
    if (!w) continue;
    if (w.range && w.range[0] === w.range[1]) {
      if (w.hostIp && !(await canBind(w.range[0], w.protocol, w.hostIp))) {
        throw new TscError('HOST_IP_UNAVAILABLE', `cannot publish port ${w.range[0]} on ${w.hostIp}: it is not an address of this host (or the port is taken): choose another host_ip`);
      }
      out.push({ hostIp: w.hostIp, hostPort: w.range[0], containerPort: w.containerPort, protocol: w.protocol });
      continue;
    }
    const [lo, hi] = w.range ?? ephemeralRange();
    const span = hi - lo + 1;
    const start = w.range ? 0 : Math.floor(Math.random() * span);
    let found: number | undefined;
    for (let i = 0; i < span && found === undefined; i++) {
      const port = lo + ((start + i) % span);
      if (!taken(port, w) && (await canBind(port, w.protocol, w.hostIp))) found = port;
    }
    if (found === undefined) {
      throw new TscError('NO_FREE_PORT', `no free host port in ${lo}-${hi} for port ${w.containerPort}/${w.protocol}: stop what uses them or publish another range`);
    }
    out.push({ hostIp: w.hostIp, hostPort: found, containerPort: w.containerPort, protocol: w.protocol });
  }
  return out;
}
