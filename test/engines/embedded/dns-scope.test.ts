// Who the resolver answers: only containers of the networks it serves, each
// through a network it is on; a container whose networks are all internal
// gets no outside names; one flooding client cannot starve the others.
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../../src/util/atomic-file.js';
import { DnsRecords } from '../../../src/engines/embedded/dns/records.js';
import { DnsServer } from '../../../src/engines/embedded/dns/server.js';
import { readNetworkState } from '../../../src/engines/embedded/dns/state-files.js';
import { ask, makeQuery, makeTempRoot, removeTempRoot, startDnsServer, startFakeUpstream, udpExchange, writeEndpoint, writeNetwork, type FakeUpstream } from './dns-helpers.js';
import { suite } from '../../harness.js';

// 127.54.1.x: network front (gateway .1); 127.54.2.x: back; 127.54.3.x: sealed (internal).
const FRONT_GW = '127.54.1.1';
const BACK_GW = '127.54.2.1';
const SEALED_GW = '127.54.3.1';
const WEB = '127.54.1.2';
const DB = '127.54.2.2';
const VAULT = '127.54.3.2';
const RESOLVER_IN_SEALED = '127.54.3.53';
const STRANGER = '127.54.9.9';

const ctx: { root?: string; server?: DnsServer; upstream?: FakeUpstream; inner?: FakeUpstream } = {};
const s = suite('dns scope');
const via = (host: string) => ({ host, port: ctx.server!.port });

s.before(async () => {
  const root = (ctx.root = makeTempRoot());
  writeNetwork(root, { name: 'front', gateway: FRONT_GW });
  writeNetwork(root, { name: 'back', gateway: BACK_GW });
  writeNetwork(root, { name: 'sealed', gateway: SEALED_GW, internal: true });
  writeEndpoint(root, 'a'.repeat(64), 'web', { front: [WEB, 'web'] });
  writeEndpoint(root, 'b'.repeat(64), 'db', { back: [DB, 'db'] });
  writeEndpoint(root, 'c'.repeat(64), 'vault', { sealed: [VAULT, 'vault'] });
  ctx.upstream = await startFakeUpstream('127.54.9.1');
  ctx.inner = await startFakeUpstream(RESOLVER_IN_SEALED);
  // A second sealed container whose `dns:` is a resolver inside its internal network.
  writeJsonAtomic(join(root, 'network', 'endpoints', `${'d'.repeat(64)}.json`), {
    containerId: 'd'.repeat(64), containerName: 'vault2',
    networks: { sealed: { ip: '127.54.3.3', gateway: '', subnet: '', mac: '02:42:00:00:00:02', ifname: 'eth0', names: ['vault2'] } },
    dnsServers: [`${RESOLVER_IN_SEALED}:${ctx.inner.port}`],
  });
  const state = readNetworkState(root);
  const records = new DnsRecords(state.networks, state.endpoints);
  ctx.server = await startDnsServer((port) => new DnsServer({
    port, records: () => records, forwardTimeoutMs: 300,
    upstreams: () => [{ host: ctx.upstream!.host, port: ctx.upstream!.port }],
    clientRate: { perSecond: 1, burst: 20 },
  }), [FRONT_GW, BACK_GW, SEALED_GW]);
});

s.after(async () => {
  await ctx.server?.close();
  await ctx.upstream?.close();
  await ctx.inner?.close();
  removeTempRoot(ctx.root);
});

s('a known container asking through its own network is answered, ours and outside names', async () => {
  assert.equal((await ask(via(FRONT_GW), 'web', 'A', { from: WEB })).answers, [WEB]);
  assert.equal((await ask(via(FRONT_GW), 'host7.upstream.test', 'A', { from: WEB })).answers, ['192.0.2.7']);
});

s('the host or an unknown address gets REFUSED, and nothing is forwarded for it', async () => {
  const before = ctx.upstream!.seen.length;
  for (const from of [STRANGER, '127.0.0.1', FRONT_GW]) {
    assert.is((await ask(via(FRONT_GW), 'web', 'A', { from })).rcode, 'REFUSED', from);
    assert.is((await ask(via(FRONT_GW), 'host1.upstream.test', 'A', { from, proto: 'tcp' })).rcode, 'REFUSED', from);
  }
  assert.is(ctx.upstream!.seen.length, before);
});

s('a container asking through the gateway of a network it is not on gets REFUSED', async () => {
  assert.is((await ask(via(BACK_GW), 'db', 'A', { from: WEB })).rcode, 'REFUSED');
  assert.equal((await ask(via(BACK_GW), 'db', 'A', { from: DB })).answers, [DB]);
});

s('a container on internal networks only: its network\'s names, no outside names, its own resolver inside the network', async () => {
  assert.equal((await ask(via(SEALED_GW), 'vault', 'A', { from: VAULT })).answers, [VAULT]);
  const before = ctx.upstream!.seen.length;
  assert.is((await ask(via(SEALED_GW), 'host2.upstream.test', 'A', { from: VAULT })).rcode, 'REFUSED');
  assert.is(ctx.upstream!.seen.length, before, 'never forwarded to the host\'s resolvers');
  assert.equal((await ask(via(SEALED_GW), 'host3.upstream.test', 'A', { from: '127.54.3.3' })).answers, ['192.0.2.3']);
  assert.is(ctx.inner!.seen.at(-1)?.name, 'host3.upstream.test');
});

s('a client flooding the resolver is cut off, another one is still answered', async () => {
  let answered = 0;
  for (let i = 0; i < 60; i++) if (await udpExchange(via(BACK_GW), makeQuery('db'), { from: DB, timeoutMs: 100 })) answered++;
  assert.ok(answered < 40, `the flooding client got ${answered} of 60 answers`);
  assert.equal((await ask(via(FRONT_GW), 'web', 'A', { from: WEB })).answers, [WEB]);
});

s.run();
