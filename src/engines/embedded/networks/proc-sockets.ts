// Sockets bound on the host, from /proc/net/{tcp,udp}{,6}, and the processes
// that hold them (socket inodes found under /proc/<pid>/fd).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface BoundSocket {
  protocol: 'tcp' | 'udp';
  family: 4 | 6;
  /** Dotted IPv4, or the IPv6 address in hex ('0'.repeat(32) for ::). */
  address: string;
  port: number;
  inode: number;
}

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';

export function boundSockets(protocol: 'tcp' | 'udp'): BoundSocket[] {
  const out: BoundSocket[] = [];
  for (const family of [4, 6] as const) {
    let text: string;
    try {
      text = readFileSync(`/proc/net/${protocol}${family === 6 ? '6' : ''}`, 'utf8');
    } catch {
      continue; // no IPv6 on this host
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const state = f[3];
      if (state !== (protocol === 'tcp' ? TCP_LISTEN : UDP_UNCONNECTED)) continue;
      const [addrHex, portHex] = f[1]!.split(':');
      out.push({ protocol, family, address: family === 4 ? ipv4FromProc(addrHex!) : addrHex!.toLowerCase(), port: parseInt(portHex!, 16), inode: Number(f[9]) });
    }
  }
  return out;
}

/** /proc prints the address as a host-order (little-endian here) 32-bit word. */
function ipv4FromProc(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
}

/** True when a socket bound there takes traffic for `hostIp` (IPv4, '' or 0.0.0.0 for all). */
export function socketCovers(s: BoundSocket, hostIp: string): boolean {
  const any = !hostIp || hostIp === '0.0.0.0';
  if (s.family === 6) {
    // [::] takes IPv4 too (unless v6only, which /proc does not show): count it.
    if (s.address === '0'.repeat(32)) return true;
    const mapped = /^0{20}ffff([0-9a-f]{8})$/.exec(s.address.replace(/(.{8})/g, (w) => w.match(/../g)!.reverse().join('')));
    return mapped ? any || ipv4FromHexBe(mapped[1]!) === hostIp : false;
  }
  return any || s.address === '0.0.0.0' || s.address === hostIp;
}

function ipv4FromHexBe(hex: string): string {
  return (hex.match(/../g) ?? []).map((b) => parseInt(b, 16)).join('.');
}

export interface SocketOwner {
  pid: number;
  name: string;
}

/** The first process holding a socket with this inode, if it can be seen. */
export function socketOwner(inode: number): SocketOwner | undefined {
  const target = `socket:[${inode}]`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      if (link !== target) continue;
      let name = '?';
      try {
        name = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      } catch { /* exited meanwhile */ }
      return { pid: Number(entry), name };
    }
  }
  return undefined;
}
