// Pure parts of the network code: address arithmetic, the subnet walk, IPAM, names, rules.
import * as assert from 'uvu/assert';
import { readBridgeOptions } from '../../../src/engines/embedded/networks/bridge-options.js';
import { suite } from '../../harness.js';
import { formatCidr, macFromIp, mustParseCidr, overlaps, parseCidr, parseIp } from '../../../src/engines/embedded/networks/ipv4.js';
import { candidateSubnets, pickFreeSubnet } from '../../../src/engines/embedded/networks/subnet-pool.js';
import { allocateAddress, resolveIpam } from '../../../src/engines/embedded/networks/ipam.js';
import { bridgeName, netnsName, vethHostName } from '../../../src/engines/embedded/networks/names.js';
import { isolationRules, networkRules } from '../../../src/engines/embedded/networks/network-rules.js';
import { portRules } from '../../../src/engines/embedded/networks/port-rules.js';
import { socketCovers } from '../../../src/engines/embedded/networks/proc-sockets.js';

const s = suite('network units');
const cidr = (t: string) => mustParseCidr(t, 'test');

s('ipv4 parsing and arithmetic', () => {
  assert.is(parseIp('172.18.0.1'), 0xac120001);
  assert.is(parseIp('256.1.1.1'), undefined);
  assert.equal(parseCidr('10.1.2.3/16'), { base: parseIp('10.1.0.0'), prefix: 16 });
  assert.is(parseCidr('10.0.0.0/33'), undefined);
  assert.ok(overlaps(cidr('172.18.0.0/16'), cidr('172.18.5.0/24')));
  assert.not.ok(overlaps(cidr('172.18.0.0/16'), cidr('172.19.0.0/16')));
  assert.is(macFromIp(parseIp('172.18.0.2')!), '02:42:ac:12:00:02');
});

s('subnet walk: Docker pools, 172.17 left to Docker, host routes and ours skipped', () => {
  const all = [...candidateSubnets()].map(formatCidr);
  assert.is(all[0], '172.17.0.0/16');
  assert.is(all[14], '172.31.0.0/16');
  assert.is(all[15], '192.168.0.0/20');
  assert.is(all[16], '192.168.16.0/20');
  assert.is(formatCidr(pickFreeSubnet([])), '172.18.0.0/16');
  assert.is(formatCidr(pickFreeSubnet([cidr('172.18.3.0/24'), cidr('172.19.0.0/16')])), '172.20.0.0/16');
  assert.is(formatCidr(pickFreeSubnet([cidr('172.16.0.0/12'), cidr('192.168.0.1/32')])), '192.168.16.0/20');
  assert.throws(() => pickFreeSubnet([cidr('172.16.0.0/12'), cidr('192.168.0.0/16')]), /fully subnetted/);
});

s('ipam: given config honoured and checked', () => {
  const ipam = resolveIpam('n', { subnet: '10.5.0.0/24', ipRange: '10.5.0.128/25', auxAddresses: { h: '10.5.0.128' } }, [], []);
  assert.equal(ipam, { subnet: '10.5.0.0/24', gateway: '10.5.0.1', ipRange: '10.5.0.128/25', auxAddresses: { h: '10.5.0.128' } });
  assert.is(allocateAddress('n', ipam, []), '10.5.0.129');
  assert.is(allocateAddress('n', ipam, ['10.5.0.129']), '10.5.0.130');
  assert.is(allocateAddress('n', ipam, [], '10.5.0.7'), '10.5.0.7', 'a fixed address may be outside ip_range');
  assert.throws(() => allocateAddress('n', ipam, ['10.5.0.7'], '10.5.0.7'), /already in use/);
  assert.throws(() => allocateAddress('n', ipam, [], '10.5.0.1'), /already in use/);
  assert.throws(() => allocateAddress('n', ipam, [], '10.6.0.1'), /not in the subnet 10.5.0.0\/24/);
  assert.throws(() => resolveIpam('n', { subnet: '10.5.0.0/24', gateway: '10.6.0.1' }, [], []), /not in its subnet/);
  assert.throws(() => resolveIpam('n', { subnet: '10.5.0.0/24' }, [cidr('10.5.0.0/16')], []), /overlaps 10.5.0.0\/16/);
  assert.is(resolveIpam('n', { subnet: '10.5.0.0/24' }, [], [cidr('10.5.0.0/16')]).subnet, '10.5.0.0/24', 'a given subnet is not checked against host routes');
  const auto = resolveIpam('n', undefined, [cidr('172.18.0.0/16')], [cidr('172.19.0.0/16')]);
  assert.equal(auto, { subnet: '172.20.0.0/16', gateway: '172.20.0.1' });
  const tiny = resolveIpam('n', { subnet: '10.9.0.0/30' }, [], []);
  assert.is(allocateAddress('n', tiny, []), '10.9.0.2');
  assert.throws(() => allocateAddress('n', tiny, ['10.9.0.2']), /no available IPv4 addresses/);
});

s('names fit 15 characters and start with tsc', () => {
  const id = 'ab'.repeat(32);
  assert.is(bridgeName(id), 'tscabababababab');
  assert.is(bridgeName(id, { 'com.docker.network.bridge.name': 'mybr0' }), 'mybr0');
  assert.throws(() => bridgeName(id, { 'com.docker.network.bridge.name': 'much-too-long-name' }), /invalid/);
  assert.match(vethHostName(id, 'cd'.repeat(32)), /^tsc[0-9a-f]{12}$/);
  assert.is.not(vethHostName(id, 'cd'.repeat(32)), vethHostName(id, 'ef'.repeat(32)));
  assert.is(netnsName(id), 'tsc-abababababab');
});

s('rules: enable_icc=false drops traffic inside the bridge, enable_ip_masquerade=false has no MASQUERADE, 127/8 from the bridge dropped', () => {
  const text = (rules: ReturnType<typeof networkRules>) => rules.map((r) => `${r.table} ${r.chain} ${r.args.join(' ')}`);
  const rules = text(networkRules({ id12: 'a1', bridge: 'tsca1', subnet: '172.18.0.0/16', internal: false, icc: false, masquerade: false }));
  assert.ok(rules.includes('filter TSC-FORWARD -i tsca1 -o tsca1 -j DROP'));
  assert.not.ok(rules.some((l) => l.includes('! -o tsca1 -j MASQUERADE')));
  assert.equal(rules.filter((l) => l.startsWith('filter TSC-INPUT')), [
    'filter TSC-INPUT -i tsca1 -d 127.0.0.0/8 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j RETURN',
    'filter TSC-INPUT -i tsca1 -d 127.0.0.0/8 -j DROP',
  ]);
  assert.equal(readBridgeOptions({ 'com.docker.network.bridge.enable_icc': 'false', 'com.docker.network.bridge.host_binding_ipv4': '10.0.0.5' }), { icc: false, masquerade: true, hostBindingIpv4: '10.0.0.5' });
});

s('rules: internal networks get no masquerade and no way out; ports DNAT', () => {
  const open = networkRules({ id12: 'a1', bridge: 'tsca1', subnet: '172.18.0.0/16', internal: false });
  const closed = networkRules({ id12: 'b2', bridge: 'tscb2', subnet: '172.19.0.0/16', internal: true });
  const text = (rules: typeof open) => rules.map((r) => `${r.table} ${r.chain} ${r.args.join(' ')}`);
  assert.ok(text(open).includes('nat TSC-POSTROUTING -s 172.18.0.0/16 ! -o tsca1 -j MASQUERADE'));
  assert.not.ok(text(closed).some((l) => l.includes('! -o tscb2 -j MASQUERADE')));
  assert.ok(text(closed).includes('filter TSC-ISOLATION -i tscb2 ! -o tscb2 -j DROP'));
  assert.ok(open.every((r) => r.tag === 'tsc:a1'));
  const iso = isolationRules({ id12: 'a1', bridge: 'tsca1', subnet: '', internal: false }, { id12: 'b2', bridge: 'tscb2', subnet: '', internal: false });
  assert.equal(iso.map((r) => r.args.join(' ')), [
    '-i tsca1 -o tscb2 -m conntrack --ctstate DNAT -j RETURN', '-i tsca1 -o tscb2 -j DROP',
    '-i tscb2 -o tsca1 -m conntrack --ctstate DNAT -j RETURN', '-i tscb2 -o tsca1 -j DROP',
  ]);
  const ports = portRules('c1', '172.18.0.2', [
    { hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' },
  ]);
  assert.equal(ports.map((r) => r.args.join(' ')), [
    '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80',
    '-d 127.0.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 172.18.0.2:53',
  ]);
});

s('a bound socket covers the addresses it takes', () => {
  const v4 = (address: string) => ({ protocol: 'tcp' as const, family: 4 as const, address, port: 1, inode: 1 });
  const v6 = (address: string) => ({ protocol: 'tcp' as const, family: 6 as const, address, port: 1, inode: 1 });
  assert.ok(socketCovers(v4('0.0.0.0'), '127.0.0.1'));
  assert.ok(socketCovers(v4('127.0.0.1'), ''), 'a loopback listener conflicts with publishing on all addresses');
  assert.not.ok(socketCovers(v4('127.0.0.1'), '10.0.0.1'));
  assert.ok(socketCovers(v6('0'.repeat(32)), '10.0.0.1'), '[::] takes IPv4 too');
  assert.ok(socketCovers(v6('0000000000000000FFFF00000100007F'.toLowerCase()), '127.0.0.1'), '::ffff:127.0.0.1');
  assert.not.ok(socketCovers(v6('00000000000000000000000001000000'), '127.0.0.1'), '::1 is not IPv4');
});

s.run();
