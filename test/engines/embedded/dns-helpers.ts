// Test helpers for the resolver: a DNS client, a fake upstream resolver on a
// loopback address, temp state roots with network/endpoint files.
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet, RecordType } from 'dns-packet';
import { writeJsonAtomic } from '../../../src/util/atomic-file.js';
import type { EndpointFile, NetworkFile } from '../../../src/engines/embedded/dns/state-files.js';
import { exchangeTcp } from '../../../src/engines/embedded/dns/forwarder.js';
import type { DnsServer } from '../../../src/engines/embedded/dns/server.js';

export interface Reply {
  rcode: string;
  flags: DecodedPacket;
  answers: string[];
  raw: Buffer;
}

export function rcodeOf(buf: Buffer): string {
  return (['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'] as const)[buf.readUInt16BE(2) & 0xf] ?? `RCODE_${buf.readUInt16BE(2) & 0xf}`;
}

export function toReply(raw: Buffer): Reply {
  const p = dnsPacket.decode(raw);
  return { rcode: rcodeOf(raw), flags: p, answers: (p.answers ?? []).map((a) => String((a as { data: unknown }).data)), raw };
}

let nextId = 1;
export function makeQuery(name: string, type: RecordType = 'A'): Buffer {
  nextId = (nextId + 1) & 0xffff;
  return dnsPacket.encode({ type: 'query', id: nextId, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
}

/** Sends `msg` over UDP from `from` (a loopback address standing for a container) and waits for one reply. */
export function udpExchange(server: { host: string; port: number }, msg: Buffer, opts: { from?: string; timeoutMs?: number } = {}): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => { sock.close(); resolve(undefined); }, opts.timeoutMs ?? 2000);
    sock.on('error', (e) => { clearTimeout(timer); sock.close(); reject(e); });
    sock.on('message', (reply) => { clearTimeout(timer); sock.close(); resolve(reply); });
    sock.bind({ address: opts.from ?? '127.0.0.1', port: 0 }, () => sock.send(msg, server.port, server.host));
  });
}

export async function ask(server: { host: string; port: number }, name: string, type: RecordType = 'A', opts: { from?: string; proto?: 'udp' | 'tcp'; timeoutMs?: number } = {}): Promise<Reply> {
  const q = makeQuery(name, type);
  const raw = opts.proto === 'tcp' ? await tcpExchangeFrom(server, q, opts.from, opts.timeoutMs ?? 2000) : await udpExchange(server, q, opts);
  if (!raw) throw new Error(`no reply for ${name} ${type} from ${server.host}:${server.port}`);
  return toReply(raw);
}

async function tcpExchangeFrom(server: { host: string; port: number }, q: Buffer, from: string | undefined, timeoutMs: number): Promise<Buffer | undefined> {
  if (!from) return exchangeTcp(server, q, timeoutMs);
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const sock = connect({ host: server.host, port: server.port, localAddress: from });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); resolve(undefined); }, timeoutMs);
    sock.on('connect', () => { const len = Buffer.alloc(2); len.writeUInt16BE(q.length); sock.write(Buffer.concat([len, q])); });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { clearTimeout(timer); sock.destroy(); resolve(buf.subarray(2, 2 + buf.readUInt16BE(0))); }
    });
    sock.on('error', () => { clearTimeout(timer); resolve(undefined); });
  });
}

/**
 * A resolver of our own on a loopback address: `*.upstream.test` → 192.0.2.<n>,
 * `big.upstream.test` → 60 A records (truncated over UDP), everything else NXDOMAIN.
 * Counts the queries it saw.
 */
export interface FakeUpstream {
  host: string;
  port: number;
  seen: { name: string; proto: 'udp' | 'tcp' }[];
  close(): Promise<void>;
}

export async function startFakeUpstream(host: string, port = 0, opts: { silent?: boolean } = {}): Promise<FakeUpstream> {
  const seen: FakeUpstream['seen'] = [];
  const udp = createSocket('udp4');
  await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind({ address: host, port }, () => resolve()); });
  const actual = udp.address().port;
  const tcp: Server = createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('error', () => sock.destroy());
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const q = buf.subarray(2, 2 + buf.readUInt16BE(0));
      const reply = respond(q, 'tcp');
      if (reply) { const len = Buffer.alloc(2); len.writeUInt16BE(reply.length); sock.end(Buffer.concat([len, reply])); }
    });
  });
  await new Promise<void>((resolve, reject) => { tcp.once('error', reject); tcp.listen({ host, port: actual }, () => resolve()); });
  const respond = (q: Buffer, proto: 'udp' | 'tcp'): Buffer | undefined => {
    const p = dnsPacket.decode(q);
    const question = p.questions![0]!;
    seen.push({ name: question.name, proto });
    if (opts.silent) return undefined;
    const base: Packet = { type: 'response', id: p.id, flags: dnsPacket.RECURSION_AVAILABLE | (p.flags! & dnsPacket.RECURSION_DESIRED), questions: [question] };
    const name = question.name.toLowerCase();
    if (name === 'big.upstream.test') {
      const answers: Answer[] = Array.from({ length: 60 }, (_, i) => ({ type: 'A', name: question.name, ttl: 30, data: `198.51.100.${i + 1}` }));
      if (proto === 'udp') return dnsPacket.encode({ ...base, flags: base.flags! | dnsPacket.TRUNCATED_RESPONSE });
      return dnsPacket.encode({ ...base, answers });
    }
    const m = /^host(\d+)\.upstream\.test$/.exec(name);
    if (m && question.type === 'A') return dnsPacket.encode({ ...base, answers: [{ type: 'A', name: question.name, ttl: 30, data: `192.0.2.${m[1]}` }] });
    return dnsPacket.encode({ ...base, flags: base.flags! | 3 });
  };
  udp.on('message', (q, rinfo) => {
    try {
      const reply = respond(q, 'udp');
      if (reply) udp.send(reply, rinfo.port, rinfo.address);
    } catch { /* not a query */ }
  });
  return {
    host, port: actual, seen,
    close: async () => {
      await new Promise<void>((r) => udp.close(() => r()));
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
}

export function makeTempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'tsc-dns-'));
}

export function removeTempRoot(root: string | undefined): void {
  if (root) rmSync(root, { recursive: true, force: true });
}

export function writeNetwork(root: string, net: Partial<NetworkFile> & { name: string; gateway: string }): void {
  const dir = join(root, 'network', 'networks');
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(join(dir, `${net.name}.json`), {
    id: `${net.name}-id`, bridge: `br-${net.name}`.slice(0, 15), subnet: `${net.gateway}/24`, internal: false, labels: {}, driverOpts: {}, created: new Date(0).toISOString(), ...net,
  });
}

export function removeNetwork(root: string, name: string): void {
  unlinkSync(join(root, 'network', 'networks', `${name}.json`));
}

/** `nets`: network name → [ip, ...names]. */
export function writeEndpoint(root: string, containerId: string, containerName: string, nets: Record<string, [string, ...string[]]>): void {
  const dir = join(root, 'network', 'endpoints');
  mkdirSync(dir, { recursive: true });
  const file: EndpointFile = {
    containerId, containerName,
    networks: Object.fromEntries(Object.entries(nets).map(([net, [ip, ...names]]) => [net, { ip, gateway: '', subnet: '', mac: '02:42:00:00:00:01', ifname: 'eth0', names }])),
  };
  writeJsonAtomic(join(dir, `${containerId}.json`), file);
}

export function removeEndpoint(root: string, containerId: string): void {
  unlinkSync(join(root, 'network', 'endpoints', `${containerId}.json`));
}

export function randomPort(): number {
  return 20000 + Math.floor(Math.random() * 40000);
}

/** A server on a free random port (tests run side by side), listening on every address given. */
export async function startDnsServer(make: (port: number) => DnsServer, addresses: string[]): Promise<DnsServer> {
  for (let attempt = 0; ; attempt++) {
    const server = make(randomPort());
    try {
      for (const a of addresses) await server.listen(a);
      return server;
    } catch (error) {
      await server.close();
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 10) throw error;
    }
  }
}
