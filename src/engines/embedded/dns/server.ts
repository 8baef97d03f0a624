// The resolver's sockets: UDP and TCP on each given address (each bridge's
// gateway, port 53). Listeners come and go while the server runs; the
// records and upstreams are read on every query.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { QueryAnswerer } from './answer.js';
import { ClientRateLimit } from './rate-limit.js';
import { Forwarder } from './forwarder.js';
import type { DnsRecords } from './records.js';
import { selectUpstreams, type Upstream } from './resolv-conf.js';
import { frameTcp, unframeTcp } from './wire.js';

export interface DnsServerOptions {
  records: () => DnsRecords;
  /** Candidate upstreams (the host's resolvers); our own listeners are left out. */
  upstreams: () => Upstream[];
  /** Default 53. */
  port?: number;
  forwardTimeoutMs?: number;
  maxInFlight?: number;
  /** TCP connections open at once (default 128). */
  maxTcpConnections?: number;
  /** An idle TCP connection is closed after this long (default 10 s). */
  tcpIdleMs?: number;
  log?: (message: string) => void;
  /** Per client address: sustained queries per second (default 200) and burst (default 400). */
  clientRate?: { perSecond: number; burst: number };
}

interface Listener {
  address: string;
  port: number;
  udp: UdpSocket;
  tcp: Server;
  connections: Set<Socket>;
}

/** UDP replies waiting for the kernel at once; beyond this, replies are dropped rather than queued. */
const MAX_PENDING_SENDS = 1024;
/** Queries of one TCP connection being answered at once; a client that pipelines more is cut off. */
const MAX_TCP_PIPELINE = 32;

export class DnsServer {
  private readonly listeners = new Map<string, Listener>();
  private readonly answerer: QueryAnswerer;
  private readonly forwarder: Forwarder;
  private pendingSends = 0;
  private readonly rate: ClientRateLimit;
  readonly port: number;

  constructor(private readonly opts: DnsServerOptions) {
    this.port = opts.port ?? 53;
    this.forwarder = new Forwarder({
      upstreams: () => this.upstreams(),
      timeoutMs: opts.forwardTimeoutMs,
      maxInFlight: opts.maxInFlight,
    });
    this.answerer = new QueryAnswerer({ records: opts.records, forwarder: this.forwarder });
    this.rate = new ClientRateLimit(opts.clientRate ?? { perSecond: 200, burst: 400 });
  }

  /** The upstreams queries are forwarded to now. */
  upstreams(): Upstream[] {
    return selectUpstreams(this.opts.upstreams(), this.addresses());
  }

  addresses(): Upstream[] {
    return [...this.listeners.values()].map((l) => ({ host: l.address, port: l.port }));
  }

  has(address: string): boolean {
    return this.listeners.has(address);
  }

  /** Starts answering on `address` (UDP and TCP); a no-op when already there. */
  async listen(address: string): Promise<void> {
    if (this.listeners.has(address)) return;
    const udp = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4' });
    const tcp = createServer();
    tcp.maxConnections = this.opts.maxTcpConnections ?? 128;
    const listener: Listener = { address, port: this.port, udp, tcp, connections: new Set() };
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address, port: this.port, exclusive: true }, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: address, port: this.port, exclusive: true }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await closeListener(listener);
      throw error;
    }
    udp.on('error', (e) => this.log(`dns ${address}:${this.port}/udp: ${e.message}`));
    tcp.on('error', (e) => this.log(`dns ${address}:${this.port}/tcp: ${e.message}`));
    udp.on('message', (msg, rinfo) => this.onDatagram(listener, msg, rinfo.address, rinfo.port));
    tcp.on('connection', (sock) => this.onConnection(listener, sock));
    this.listeners.set(address, listener);
  }

  async unlisten(address: string): Promise<void> {
    const listener = this.listeners.get(address);
    if (!listener) return;
    this.listeners.delete(address);
    await closeListener(listener);
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((a) => this.unlisten(a)));
  }

  private onDatagram(l: Listener, msg: Buffer, host: string, port: number): void {
    if (this.pendingSends >= MAX_PENDING_SENDS || !this.rate.take(host)) return;
    this.answerer.answer(msg, { ip: host, localAddress: l.address }, 'udp').then((reply) => {
      if (!reply || this.listeners.get(l.address) !== l || this.pendingSends >= MAX_PENDING_SENDS) return;
      this.pendingSends++;
      l.udp.send(reply, port, host, () => this.pendingSends--);
    }, (error: Error) => this.log(`dns: query from ${host}: ${error.message}`));
  }

  private onConnection(l: Listener, sock: Socket): void {
    l.connections.add(sock);
    sock.setTimeout(this.opts.tcpIdleMs ?? 10_000, () => sock.destroy());
    sock.on('close', () => l.connections.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf: Buffer = Buffer.alloc(0);
    let busy = 0;
    const client = { ip: sock.remoteAddress ?? '', localAddress: l.address };
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const { messages, rest } = unframeTcp(buf);
      buf = Buffer.from(rest);
      for (const msg of messages) {
        if (++busy > MAX_TCP_PIPELINE) {
          sock.destroy();
          return;
        }
        if (!this.rate.take(client.ip)) {
          busy--;
          continue;
        }
        this.answerer.answer(Buffer.from(msg), client, 'tcp').then((reply) => {
          busy--;
          if (reply && !sock.destroyed) sock.write(frameTcp(reply));
        }, (error: Error) => {
          busy--;
          this.log(`dns: query from ${client.ip}: ${error.message}`);
        });
      }
    });
  }

  private log(message: string): void {
    this.opts.log?.(message);
  }
}

async function closeListener(l: Listener): Promise<void> {
  for (const sock of l.connections) sock.destroy();
  await Promise.all([
    new Promise<void>((resolve) => {
      try {
        l.udp.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    }),
    new Promise<void>((resolve) => (l.tcp.listening ? l.tcp.close(() => resolve()) : resolve())),
  ]);
}
