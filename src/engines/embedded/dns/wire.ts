// The few things read from or written into a DNS message's 12-byte header
// directly: enough to answer (or drop) a message that does not fully parse.

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

const QR = 1 << 15;
const AA = 1 << 10;
const TC = 1 << 9;
const RD = 1 << 8;
const RA = 1 << 7;

export interface Header {
  id: number;
  response: boolean;
  opcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  rcode: number;
  qdcount: number;
}

export function readHeader(msg: Buffer): Header | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  return {
    id: msg.readUInt16BE(0),
    response: (flags & QR) !== 0,
    opcode: (flags >> 11) & 0xf,
    authoritative: (flags & AA) !== 0,
    truncated: (flags & TC) !== 0,
    recursionDesired: (flags & RD) !== 0,
    rcode: flags & 0xf,
    qdcount: msg.readUInt16BE(4),
  };
}

/** A reply with no sections: just the header, with the query's id, opcode and RD. */
export function headerOnlyReply(query: Header, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(query.id, 0);
  out.writeUInt16BE(QR | (query.opcode << 11) | (query.recursionDesired ? RD : 0) | RA | (rcode & 0xf), 2);
  return out;
}

/** dns-packet `flags` (it ORs in QR itself) for a reply: the query's RD, RA, an rcode, maybe TC. */
export function replyFlags(query: Header, rcode: number, truncated = false): number {
  return (query.opcode << 11) | (query.recursionDesired ? RD : 0) | RA | (truncated ? TC : 0) | (rcode & 0xf);
}

/** Prefixes a message with its 2-byte length, as DNS over TCP sends it. */
export function frameTcp(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** Splits complete length-prefixed messages off the front of `buf`; returns them and what is left. */
export function unframeTcp(buf: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let off = 0;
  while (buf.length - off >= 2) {
    const len = buf.readUInt16BE(off);
    if (buf.length - off - 2 < len) break;
    messages.push(buf.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  return { messages, rest: buf.subarray(off) };
}

/** The raw bytes of the first question (name, type, class), or undefined when they do not parse. */
export function firstQuestion(msg: Buffer): Buffer | undefined {
  let off = 12;
  for (let labels = 0; labels < 128; labels++) {
    if (off >= msg.length) return undefined;
    const len = msg[off]!;
    if (len === 0) return off + 5 <= msg.length ? msg.subarray(12, off + 5) : undefined;
    if ((len & 0xc0) === 0xc0) return off + 6 <= msg.length ? msg.subarray(12, off + 6) : undefined;
    if ((len & 0xc0) !== 0) return undefined;
    off += len + 1;
  }
  return undefined;
}

/** A reply that repeats the query's question and carries only an rcode (what resolvers expect of SERVFAIL). */
export function questionOnlyReply(query: Buffer, header: Header, rcode: number): Buffer {
  const question = firstQuestion(query);
  const head = headerOnlyReply(header, rcode);
  if (!question) return head;
  head.writeUInt16BE(1, 4);
  return Buffer.concat([head, question]);
}
