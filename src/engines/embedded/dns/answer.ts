// One query in, one reply out (or none): answered from our records when the
// name is ours for the asker, forwarded otherwise. Malformed messages get
// FORMERR when their header parses and are dropped when it does not; replies
// are never answered (no loops between resolvers).
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Question } from 'dns-packet';
import type { Forwarder } from './forwarder.js';
import { reverseNameToIp, type DnsClient, type DnsRecords } from './records.js';
import { RCODE, headerOnlyReply, questionOnlyReply, readHeader, replyFlags, type Header } from './wire.js';

/** Docker's embedded DNS answers with this TTL (libnetwork/resolver.go, respTTL). */
export const RECORD_TTL = 600;
const MIN_UDP_SIZE = 512;
const MAX_UDP_SIZE = 4096;

export interface QueryAnswererOptions {
  /** Read on every query: the agent swaps the index when the state files change. */
  records: () => DnsRecords;
  forwarder: Forwarder;
}

export class QueryAnswerer {
  constructor(private readonly opts: QueryAnswererOptions) {}

  async answer(msg: Buffer, client: DnsClient, proto: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const header = readHeader(msg);
    if (!header || header.response) return undefined;
    if (!this.opts.records().servesClient(client)) return questionOnlyReply(msg, header, RCODE.REFUSED);
    if (header.opcode !== 0) return questionOnlyReply(msg, header, RCODE.NOTIMP);
    let packet: DecodedPacket;
    try {
      packet = dnsPacket.decode(msg);
    } catch {
      return headerOnlyReply(header, RCODE.FORMERR);
    }
    const question = packet.questions?.[0];
    if (!question || packet.questions!.length !== 1) return headerOnlyReply(header, RCODE.FORMERR);
    const maxSize = proto === 'tcp' ? 65535 : udpSize(packet);

    const local = this.answerLocally(question, client);
    if (local) {
      try {
        return encodeReply(header, question, local, maxSize, proto);
      } catch {
        return questionOnlyReply(msg, header, RCODE.SERVFAIL); // a question name that does not encode back
      }
    }

    const forwarding = this.opts.records().forwardingFor(client);
    if (!forwarding.allowed) return questionOnlyReply(msg, header, RCODE.REFUSED);
    const result = await this.opts.forwarder.forward(msg, proto, maxSize, forwarding.upstreams);
    if (result.kind === 'answer') return result.message;
    if (result.kind === 'failed') return questionOnlyReply(msg, header, RCODE.SERVFAIL);
    return undefined;
  }

  /** Our answers (maybe none: a known name without that type), or undefined when the name is not ours. */
  private answerLocally(q: Question, client: DnsClient): Answer[] | undefined {
    if (q.class !== undefined && q.class !== 'IN') return undefined;
    const records = this.opts.records();
    switch (q.type) {
      case 'A':
      case 'AAAA': {
        const found = records.lookup(q.name, client);
        if (!found) return undefined;
        const ips = q.type === 'A' ? found.ipv4 : found.ipv6;
        return ips.map((ip) => ({ type: q.type as 'A' | 'AAAA', name: q.name, class: 'IN' as const, ttl: RECORD_TTL, data: ip }));
      }
      case 'MX':
        // A known name: no MX, so mail goes to its A record (RFC 5321 implicit MX), as Docker does.
        return records.lookup(q.name, client) ? [] : undefined;
      case 'PTR': {
        const ip = reverseNameToIp(q.name);
        const name = ip && records.lookupAddress(ip, client);
        return name ? [{ type: 'PTR', name: q.name, class: 'IN', ttl: RECORD_TTL, data: name }] : undefined;
      }
      default:
        return undefined;
    }
  }
}

function udpSize(packet: DecodedPacket): number {
  const opt = packet.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.min(MAX_UDP_SIZE, Math.max(MIN_UDP_SIZE, opt?.udpPayloadSize ?? 0));
}

/** Drops answers from the end until the reply fits, and says so (TC) over UDP, as Docker does. */
function encodeReply(header: Header, question: Question, answers: Answer[], maxSize: number, proto: 'udp' | 'tcp'): Buffer {
  let kept = answers;
  let truncated = false;
  for (;;) {
    const reply = { type: 'response' as const, id: header.id, flags: replyFlags(header, RCODE.NOERROR, truncated && proto === 'udp'), questions: [question], answers: kept };
    const buf = dnsPacket.encode(reply);
    if (buf.length <= maxSize || kept.length === 0) return buf;
    kept = kept.slice(0, -1);
    truncated = true;
  }
}
