import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { DnsRecords, reverseNameToIp } from '../../../src/engines/embedded/dns/records.js';
import { parseResolvConf, parseUpstream, selectUpstreams } from '../../../src/engines/embedded/dns/resolv-conf.js';
import type { EndpointFile, NetworkFile } from '../../../src/engines/embedded/dns/state-files.js';

const s = suite('dns records');

const net = (name: string, gateway: string): NetworkFile => ({ id: name, name, bridge: `br-${name}`, subnet: `${gateway}/24`, gateway, internal: false, labels: {}, driverOpts: {}, created: '' });
const ep = (containerId: string, containerName: string, nets: Record<string, [string, ...string[]]>): EndpointFile => ({
  containerId, containerName,
  networks: Object.fromEntries(Object.entries(nets).map(([n, [ip, ...names]]) => [n, { ip, gateway: '', subnet: '', mac: '', ifname: 'eth0', names }])),
});

function build(searchDomains: string[] = []): DnsRecords {
  return new DnsRecords(
    [net('proj_front', '10.1.0.1'), net('proj_back', '10.2.0.1'), net('other', '10.3.0.1')],
    [
      ep('a'.repeat(64), 'proj-web-1', { proj_front: ['10.1.0.2', 'web', 'proj-web-1', 'webhost', 'www'] }),
      ep('b'.repeat(64), 'proj-web-2', { proj_front: ['10.1.0.3', 'web', 'proj-web-2'] }),
      ep('c'.repeat(64), 'proj-db-1', { proj_back: ['10.2.0.2', 'db', 'proj-db-1', 'Database'] }),
      ep('d'.repeat(64), 'proj-app-1', { proj_front: ['10.1.0.4', 'app'], proj_back: ['10.2.0.3', 'app'] }),
      ep('e'.repeat(64), 'lonely', { other: ['10.3.0.2', 'lonely', 'web'] }),
    ],
    { searchDomains },
  );
}

const app = { ip: '10.1.0.4' };

s('a service name gives all its replicas, rotated on each query', () => {
  const r = build();
  const first = r.lookup('web', app)!.ipv4;
  const second = r.lookup('web', app)!.ipv4;
  const third = r.lookup('web', app)!.ipv4;
  assert.equal(first, ['10.1.0.2', '10.1.0.3']);
  assert.equal(second, ['10.1.0.3', '10.1.0.2']);
  assert.equal(third, first);
  assert.equal(r.lookup('web', app)!.ipv6, []);
});

s('container name, hostname, aliases, short id; any case, with a trailing dot or the network as domain', () => {
  const r = build();
  for (const name of ['proj-web-1', 'webhost', 'www', 'WWW.', 'aaaaaaaaaaaa', 'webhost.proj_front', 'WebHost.Proj_Front.']) {
    assert.equal(r.lookup(name, app)?.ipv4, ['10.1.0.2'], name);
  }
  assert.equal(r.lookup('database', app)?.ipv4, ['10.2.0.2']);
  assert.equal(r.lookup('db.proj_back', app)?.ipv4, ['10.2.0.2']);
  assert.is(r.lookup('db.proj_front', app), undefined);
});

s('links aliases answer only to the linking container', () => {
  const linker: EndpointFile = { ...ep('f'.repeat(64), 'proj-legacy-1', { proj_back: ['10.2.0.9', 'legacy'] }), links: { database: 'db', store: 'proj-db-1' } };
  const r = new DnsRecords([net('proj_back', '10.2.0.1')], [ep('c'.repeat(64), 'proj-db-1', { proj_back: ['10.2.0.2', 'db', 'proj-db-1'] }), linker]);
  assert.equal(r.lookup('database', { ip: '10.2.0.9' })?.ipv4, ['10.2.0.2']);
  assert.equal(r.lookup('STORE.', { ip: '10.2.0.9' })?.ipv4, ['10.2.0.2']);
  assert.is(r.lookup('store', { ip: '10.2.0.2' }), undefined);
});

s('the host search domain is stripped', () => {
  const r = build(['corp.example']);
  assert.equal(r.lookup('db.corp.example.', app)?.ipv4, ['10.2.0.2']);
  assert.is(build().lookup('db.corp.example', app), undefined);
});

s('a client sees only names of the networks it is on', () => {
  const r = build();
  const web = { ip: '10.1.0.2' };
  assert.is(r.lookup('db', web), undefined, 'web is not on back');
  assert.ok(r.lookup('app', web));
  assert.equal(r.lookup('web', { ip: '10.3.0.2' })?.ipv4, ['10.3.0.2'], 'the other network has its own "web"');
  assert.is(r.lookup('proj-web-1', { ip: '10.3.0.2' }), undefined);
  assert.is(r.lookup('web', { ip: '192.168.7.7' }), undefined, 'unknown clients get nothing');
});

s('asked through a gateway, the network of that gateway is preferred', () => {
  const r = build();
  assert.equal(r.lookup('app', { ip: '10.2.0.3', localAddress: '10.2.0.1' })?.ipv4, ['10.2.0.3']);
  assert.equal(r.lookup('app', { ip: '10.1.0.4', localAddress: '10.1.0.1' })?.ipv4, ['10.1.0.4']);
  assert.equal(r.clientNetworks({ ip: '10.2.0.3', localAddress: '10.2.0.1' }), ['proj_back', 'proj_front']);
});

s('PTR: <container>.<network> for addresses on shared networks only', () => {
  const r = build();
  assert.is(r.lookupAddress('10.1.0.2', app), 'proj-web-1.proj_front');
  assert.is(r.lookupAddress('10.1.0.2', { ip: '10.3.0.2' }), undefined);
  assert.is(reverseNameToIp('2.0.1.10.in-addr.arpa.'), '10.1.0.2');
  assert.is(reverseNameToIp('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'), '2001:db8::1');
  assert.is(reverseNameToIp('x.0.1.10.in-addr.arpa'), undefined);
  assert.is(reverseNameToIp('example.com'), undefined);
});

s('IPv6 endpoint addresses answer AAAA', () => {
  const r = new DnsRecords([], [ep('f'.repeat(64), 'six', { v6: ['fd00:0:0::2', 'six'] }), ep('9'.repeat(64), 'asker', { v6: ['fd00::3', 'asker'] })]);
  assert.equal(r.lookup('six', { ip: 'fd00::3' }), { ipv4: [], ipv6: ['fd00::2'] });
});

s('malformed endpoint entries are skipped', () => {
  const bad = { containerId: 'x'.repeat(64), containerName: 'bad', networks: { n: { ip: 'not-an-ip', names: ['bad'] }, m: null } } as unknown as EndpointFile;
  const r = new DnsRecords([], [bad, ep('1'.repeat(64), 'ok', { n: ['10.9.0.2', 'ok'] })]);
  assert.is(r.lookup('bad', { ip: '10.9.0.2' }), undefined);
  assert.ok(r.lookup('ok', { ip: '10.9.0.2' }));
});

s('resolv.conf: nameservers and the last search line', () => {
  const conf = parseResolvConf('# comment\nnameserver 10.0.0.2\nnameserver fe80::1%eth0\nnameserver bogus\ndomain a.example\nsearch corp.example lab.example ; x\noptions ndots:2\n');
  assert.equal(conf, { nameservers: ['10.0.0.2', 'fe80::1'], search: ['corp.example', 'lab.example'] });
});

s('upstreams leave out our own listeners, duplicates and the unspecified address; at most 3', () => {
  const ups = ['127.0.0.53', '10.1.0.1', '10.1.0.1', '0.0.0.0', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((h) => ({ host: h, port: 53 }));
  assert.equal(selectUpstreams(ups, [{ host: '10.1.0.1', port: 53 }]).map((u) => u.host), ['127.0.0.53', '10.0.0.2', '10.0.0.3']);
  assert.equal(selectUpstreams([{ host: '10.1.0.1', port: 5353 }], [{ host: '10.1.0.1', port: 53 }]).length, 1, 'another port is not us');
  assert.equal(parseUpstream('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
  assert.equal(parseUpstream('[::1]:54'), { host: '::1', port: 54 });
  assert.equal(parseUpstream('::1'), { host: '::1', port: 53 });
  assert.throws(() => parseUpstream('dns.example:53'));
});

s.run();
