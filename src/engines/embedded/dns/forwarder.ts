// Forwards a query, as received, to the host's resolvers: one after another
// until one answers (timeout, SERVFAIL and REFUSED move on to the next), over
// the protocol the client used; a truncated UDP answer is fetched again over
// TCP. The number of queries out at once is bounded, so a flood cannot pile up.
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { canonicalIp } from './records.js';
import type { Upstream } from './resolv-conf.js';
import { RCODE, frameTcp, readHeader, unframeTcp } from './wire.js';

export interface ForwarderOptions {
  /** Read on every query, so the agent can change them at any time. */
  upstreams: () => Upstream[];
  /** Per upstream and protocol (default 4 s, Docker's). */
  timeoutMs?: number;
  /** Queries being forwarded at once; more are dropped (default 1024, Docker's). */
  maxInFlight?: number;
}

export type ForwardResult =
  | { kind: 'answer'; message: Buffer }
  /** No upstream, or none answered. */
  | { kind: 'failed' }
  /** Too many queries out already: drop this one (the client retries). */
  | { kind: 'busy' };

export class Forwarder {
  private inFlight = 0;
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;

  constructor(private readonly opts: ForwarderOptions) {
    this.timeoutMs = opts.timeoutMs ?? 4000;
    this.maxInFlight = opts.maxInFlight ?? 1024;
  }

  get pending(): number {
    return this.inFlight;
  }

  /** `upstreams`: this query's own (a container's `dns:` servers) instead of the default ones. */
  async forward(query: Buffer, proto: 'udp' | 'tcp', maxUdpSize = 512, upstreams?: Upstream[]): Promise<ForwardResult> {
    if (this.inFlight >= this.maxInFlight) return { kind: 'busy' };
    this.inFlight++;
    try {
      let fallback: Buffer | undefined;
      for (const upstream of upstreams ?? this.opts.upstreams()) {
        let reply = proto === 'udp' ? await exchangeUdp(upstream, query, this.timeoutMs) : await exchangeTcp(upstream, query, this.timeoutMs);
        if (!reply) continue;
        if (proto === 'udp' && readHeader(reply)!.truncated) {
          const full = await exchangeTcp(upstream, query, this.timeoutMs);
          // Too big for the client's UDP: it gets the truncated one and retries over TCP itself.
          if (full && full.length <= maxUdpSize) reply = full;
        }
        const rcode = readHeader(reply)!.rcode;
        if (rcode === RCODE.SERVFAIL || rcode === RCODE.REFUSED) {
          fallback ??= reply;
          continue;
        }
        return { kind: 'answer', message: reply };
      }
      return fallback ? { kind: 'answer', message: fallback } : { kind: 'failed' };
    } finally {
      this.inFlight--;
    }
  }
}

function isReplyTo(query: Buffer, reply: Buffer): boolean {
  const h = readHeader(reply);
  return !!h && h.response && h.id === query.readUInt16BE(0);
}

/** From a fresh socket (a random source port), so replies cannot be confused between queries. */
export function exchangeUdp(upstream: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket(isIPv6(upstream.host) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (reply: Buffer | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on('error', () => finish(undefined));
    sock.on('message', (msg, rinfo) => {
      if (canonicalIp(rinfo.address) !== canonicalIp(upstream.host) || rinfo.port !== upstream.port) return;
      if (isReplyTo(query, msg)) finish(msg);
    });
    sock.send(query, upstream.port, upstream.host, (error) => {
      if (error) finish(undefined);
    });
  });
}

export function exchangeTcp(upstream: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: upstream.host, port: upstream.port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (reply: Buffer | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on('connect', () => sock.write(frameTcp(query)));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const { messages } = unframeTcp(buf);
      const reply = messages.find((m) => isReplyTo(query, m));
      if (reply) finish(Buffer.from(reply));
      else if (buf.length > 65537) finish(undefined);
    });
    sock.on('error', () => finish(undefined));
    sock.on('close', () => finish(undefined));
  });
}
