// IPv4 addresses and prefixes as plain numbers: parsing, formatting, subnet arithmetic.
import { TscError } from '../../../util/errors.js';

export interface Cidr {
  /** Network address (host bits cleared), unsigned 32-bit. */
  base: number;
  prefix: number;
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIp(text: string): number | undefined {
  const m = DOTTED.exec(text.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function mustParseIp(text: string, what: string): number {
  const ip = parseIp(text);
  if (ip === undefined) throw new TscError('INVALID_ADDRESS', `invalid ${what} "${text}": expected an IPv4 address like 172.20.0.5`);
  return ip;
}

export function formatIp(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `10.1.2.3/16` → { base: 10.1.0.0, prefix: 16 }; a bare address is a /32. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, extra] = text.trim().split('/');
  if (extra !== undefined || addr === undefined) return undefined;
  const ip = parseIp(addr);
  const prefix = len === undefined ? 32 : Number(len);
  if (ip === undefined || !/^\d{1,2}$/.test(len ?? '32') || prefix > 32) return undefined;
  return { base: (ip & maskOf(prefix)) >>> 0, prefix };
}

export function mustParseCidr(text: string, what: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw new TscError('INVALID_SUBNET', `invalid ${what} "${text}": expected an IPv4 prefix like 172.20.0.0/16`);
  return cidr;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

export function lastOf(c: Cidr): number {
  return (c.base | (~maskOf(c.prefix) >>> 0)) >>> 0;
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & maskOf(c.prefix)) >>> 0) === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** Docker's MAC for an address: 02:42 followed by the four address bytes. */
export function macFromIp(ip: number): string {
  const bytes = [0x02, 0x42, ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export function checkMac(mac: string): string {
  if (!MAC.test(mac)) throw new TscError('INVALID_MAC', `invalid mac_address "${mac}": expected six hex bytes like 02:42:ac:11:00:02`);
  const first = parseInt(mac.slice(0, 2), 16);
  if (first & 1) throw new TscError('INVALID_MAC', `invalid mac_address "${mac}": it is a multicast address (the lowest bit of the first byte is set)`);
  return mac.toLowerCase();
}
