import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { DnsRecords } from '../../../src/engines/embedded/dns/records.js';
import { DnsServer } from '../../../src/engines/embedded/dns/server.js';
import { readNetworkState } from '../../../src/engines/embedded/dns/state-files.js';
import type { Upstream } from '../../../src/engines/embedded/dns/resolv-conf.js';
import {
  ask, makeQuery, makeTempRoot, rcodeOf, removeTempRoot, startDnsServer, startFakeUpstream, toReply, udpExchange, writeEndpoint, writeNetwork,
  type FakeUpstream,
} from './dns-helpers.js';

// Everything on 127.53.x.y: 1.x is network proj_front, 2.x proj_back, 3.x other, 9.x the upstreams.
const SERVER = '127.53.0.1';
const APP = '127.53.1.4';
const LONELY = '127.53.3.2';

interface Ctx {
  root?: string;
  server?: DnsServer;
  upstream?: FakeUpstream;
  silent?: FakeUpstream;
  records?: DnsRecords;
}
const ctx: Ctx = {};
const s = suite('dns server');
const at = () => ({ host: SERVER, port: ctx.server!.port });

s.before(async () => {
  const root = (ctx.root = makeTempRoot());
  writeNetwork(root, { name: 'proj_front', gateway: '127.53.1.1' });
  writeNetwork(root, { name: 'proj_back', gateway: '127.53.2.1' });
  writeNetwork(root, { name: 'other', gateway: '127.53.3.1' });
  writeEndpoint(root, 'a'.repeat(64), 'proj-web-1', { proj_front: ['127.53.1.2', 'web', 'proj-web-1', 'webhost', 'www'] });
  writeEndpoint(root, 'b'.repeat(64), 'proj-web-2', { proj_front: ['127.53.1.3', 'web', 'proj-web-2'] });
  writeEndpoint(root, 'c'.repeat(64), 'proj-db-1', { proj_back: ['127.53.2.2', 'db', 'proj-db-1'] });
  writeEndpoint(root, 'd'.repeat(64), 'proj-app-1', { proj_front: [APP, 'app'], proj_back: ['127.53.2.3', 'app'] });
  writeEndpoint(root, 'e'.repeat(64), 'lonely', { other: [LONELY, 'lonely'] });
  const state = readNetworkState(root);
  ctx.records = new DnsRecords(state.networks, state.endpoints);
  ctx.upstream = await startFakeUpstream('127.53.9.1');
  ctx.silent = await startFakeUpstream('127.53.9.2', 0, { silent: true });
  ctx.server = await startDnsServer((port) => new DnsServer({
    port,
    records: () => ctx.records!,
    // Ourselves first: must be skipped; then one that never answers; then the real one.
    upstreams: (): Upstream[] => [{ host: SERVER, port }, { host: ctx.silent!.host, port: ctx.silent!.port }, { host: ctx.upstream!.host, port: ctx.upstream!.port }],
    forwardTimeoutMs: 300,
  }), [SERVER]);
});

s.after(async () => {
  await ctx.server?.close();
  await ctx.upstream?.close();
  await ctx.silent?.close();
  removeTempRoot(ctx.root);
});

s('A for a service name: every replica, TTL 600, rotated between queries', async () => {
  const one = await ask(at(), 'web', 'A', { from: APP });
  const two = await ask(at(), 'web', 'A', { from: APP });
  assert.is(one.rcode, 'NOERROR');
  assert.equal([...one.answers].sort(), ['127.53.1.2', '127.53.1.3']);
  assert.equal(two.answers, [...one.answers].reverse());
  assert.is((one.flags.answers![0] as { ttl: number }).ttl, 600);
  assert.ok(one.flags.flag_ra && one.flags.flag_qr);
});

s('A for container name, hostname and alias', async () => {
  for (const name of ['proj-web-1', 'webhost', 'www', 'WWW.proj_front.']) {
    assert.equal((await ask(at(), name, 'A', { from: APP })).answers, ['127.53.1.2'], name);
  }
  assert.equal((await ask(at(), 'db', 'A', { from: APP })).answers, ['127.53.2.2']);
});

s('AAAA for a known IPv4-only name: NOERROR with no answers', async () => {
  const r = await ask(at(), 'web', 'AAAA', { from: APP });
  assert.is(r.rcode, 'NOERROR');
  assert.equal(r.answers, []);
  const mx = await ask(at(), 'web', 'MX', { from: APP });
  assert.is(mx.rcode, 'NOERROR');
  assert.equal(mx.answers, []);
});

s('PTR for our addresses, to clients on the same network', async () => {
  assert.equal((await ask(at(), '2.1.53.127.in-addr.arpa', 'PTR', { from: APP })).answers, ['proj-web-1.proj_front']);
});

s('a client on another network gets no answer from our records: the query goes upstream', async () => {
  ctx.upstream!.seen.length = 0;
  const r = await ask(at(), 'web', 'A', { from: LONELY });
  assert.is(r.rcode, 'NXDOMAIN');
  assert.equal(ctx.upstream!.seen.map((q) => q.name), ['web']);
});

s('other names are forwarded, skipping ourselves and an upstream that does not answer', async () => {
  assert.equal(ctx.server!.upstreams().map((u) => u.host), ['127.53.9.2', '127.53.9.1']);
  ctx.silent!.seen.length = 0;
  const r = await ask(at(), 'host7.upstream.test', 'A', { from: APP });
  assert.equal(r.answers, ['192.0.2.7']);
  assert.equal(ctx.silent!.seen.map((q) => q.name), ['host7.upstream.test'], 'the silent one was tried first');
  assert.is((await ask(at(), 'nope.upstream.test', 'A', { from: APP })).rcode, 'NXDOMAIN');
});

s('TCP queries: ours and forwarded', async () => {
  assert.equal((await ask(at(), 'db', 'A', { from: APP, proto: 'tcp' })).answers, ['127.53.2.2']);
  assert.equal((await ask(at(), 'host9.upstream.test', 'A', { from: APP, proto: 'tcp' })).answers, ['192.0.2.9']);
  assert.is((await ask(at(), 'big.upstream.test', 'A', { from: APP, proto: 'tcp' })).answers.length, 60);
});

s('a truncated upstream UDP answer is fetched over TCP; the client gets it whole when it fits', async () => {
  ctx.upstream!.seen.length = 0;
  const small = await ask(at(), 'big.upstream.test', 'A', { from: APP });
  assert.ok(small.flags.flag_tc, 'too big for 512 bytes: passed on truncated');
  assert.equal(ctx.upstream!.seen.map((q) => q.proto), ['udp', 'tcp']);
  const edns = dnsPacket.encode({ type: 'query', id: 77, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'big.upstream.test' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as never] });
  const big = toReply((await udpExchange(at(), edns, { from: APP }))!);
  assert.is(big.answers.length, 60);
  assert.not.ok(big.flags.flag_tc);
});

s('malformed messages: FORMERR when the header parses, silence otherwise', async () => {
  const headerOnly = Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
  const formerr = await udpExchange(at(), headerOnly, { from: APP });
  assert.ok(formerr);
  assert.is(formerr!.readUInt16BE(0), 0x1234);
  assert.is(rcodeOf(formerr!), 'FORMERR');
  assert.is(await udpExchange(at(), Buffer.from([1, 2, 3]), { from: APP, timeoutMs: 300 }), undefined);
  const response = makeQuery('web');
  response[2] |= 0x80;
  assert.is(await udpExchange(at(), response, { from: APP, timeoutMs: 300 }), undefined, 'replies are not answered');
  const notimp = makeQuery('web');
  notimp[2] |= 2 << 3; // opcode 2 (STATUS)
  assert.is(rcodeOf((await udpExchange(at(), notimp, { from: APP }))!), 'NOTIMP');
});

s('a flood of random datagrams leaves the server answering', async () => {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind({ address: '127.53.5.5', port: 0 }, () => r()));
  let sent = 0;
  await new Promise<void>((resolve) => {
    const burst = () => {
      for (let i = 0; i < 200; i++) {
        const len = Math.floor(Math.random() * 300);
        const junk = Buffer.alloc(len);
        for (let j = 0; j < len; j++) junk[j] = Math.floor(Math.random() * 256);
        if (len >= 3 && i % 3 === 0) junk[2] = 0x01; // a query header, so some reach the parser
        sock.send(junk, ctx.server!.port, SERVER);
        sent++;
      }
      if (sent < 4000) setImmediate(burst);
      else resolve();
    };
    burst();
  });
  await new Promise<void>((r) => sock.close(() => r()));
  // While the socket's receive buffer is full the kernel drops datagrams, ours too: retry as resolvers do.
  let answers: string[] | undefined;
  for (let attempt = 0; attempt < 3 && !answers; attempt++) {
    answers = await ask(at(), 'web', 'A', { from: APP, timeoutMs: 1000 }).then((r) => r.answers, () => undefined);
  }
  assert.is(answers?.length, 2);
});

s('many replicas: a UDP answer is cut to fit and marked truncated; TCP has them all', async () => {
  const endpoints = Array.from({ length: 60 }, (_, i) => ({ containerId: `${i}`.padStart(64, '0'), containerName: `proj-many-${i + 1}`, networks: { proj_front: { ip: `127.53.1.${100 + i}`, gateway: '', subnet: '', mac: '', ifname: 'eth0', names: ['many'] } } }));
  const saved = ctx.records;
  const state = readNetworkState(ctx.root!);
  ctx.records = new DnsRecords(state.networks, [...state.endpoints, ...endpoints]);
  try {
    const udp = await ask(at(), 'many', 'A', { from: APP });
    assert.ok(udp.flags.flag_tc);
    assert.ok(udp.answers.length > 0 && udp.answers.length < 60 && udp.raw.length <= 512);
    assert.is((await ask(at(), 'many', 'A', { from: APP, proto: 'tcp' })).answers.length, 60);
  } finally {
    ctx.records = saved;
  }
});

s.run();
