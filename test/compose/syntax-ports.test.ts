import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { parsePortSpec, PortSyntaxError } from '../../src/compose/syntax/ports.js';

const s = suite('syntax-ports');

const tcp = (target: number, extra: Record<string, unknown> = {}) => ({ mode: 'ingress', ...extra, target, protocol: 'tcp' });

const valid: Array<[string | number, unknown[]]> = [
  ['80', [tcp(80)]],
  [3000, [tcp(3000)]],
  ['8080:80', [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }]],
  ['127.0.0.1:8080:80', [{ mode: 'ingress', host_ip: '127.0.0.1', target: 80, published: '8080', protocol: 'tcp' }]],
  ['127.0.0.1::80', [{ mode: 'ingress', host_ip: '127.0.0.1', target: 80, protocol: 'tcp' }]],
  ['[::1]:8080:80', [{ mode: 'ingress', host_ip: '::1', target: 80, published: '8080', protocol: 'tcp' }]],
  ['::1:8080:80', [{ mode: 'ingress', host_ip: '::1', target: 80, published: '8080', protocol: 'tcp' }]],
  ['80/udp', [{ mode: 'ingress', target: 80, protocol: 'udp' }]],
  ['53:53/UDP', [{ mode: 'ingress', target: 53, published: '53', protocol: 'udp' }]],
  ['9000/sctp', [{ mode: 'ingress', target: 9000, protocol: 'sctp' }]],
  ['8080-8082:80-82', [80, 81, 82].map((t) => ({ mode: 'ingress', target: t, published: String(t + 8000), protocol: 'tcp' }))],
  ['3000-3001', [tcp(3000), tcp(3001)]],
  // a published range for one target: docker picks one free port of the range
  ['8000-8010:80', [{ mode: 'ingress', target: 80, published: '8000-8010', protocol: 'tcp' }]],
  ['0.0.0.0:5000-5001:5000-5001/udp', [5000, 5001].map((t) => ({ mode: 'ingress', host_ip: '0.0.0.0', target: t, published: String(t), protocol: 'udp' }))],
  // compose-go sorts the ports of one spec as strings
  ['98-100', [tcp(100), tcp(98), tcp(99)]],
  [':80', [tcp(80)]],
  ['08080:080', [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }]],
];

for (const [spec, expected] of valid) {
  s(`parses ${JSON.stringify(spec)}`, () => {
    assert.equal(parsePortSpec(spec), expected);
  });
}

const invalid: Array<[string | number, string]> = [
  ['80:80:80:80', 'expected a port like "8080:80", got "80:80:80:80"'],
  ['90-80', 'invalid port range "90-80"'],
  ['70000', 'port 70000 is out of range'],
  ['8080:70000', 'port 70000 is out of range'],
  ['', 'expected a port like "8080:80", got ""'],
  ['80:', 'expected a port like "8080:80", got "80:"'],
  ['http', 'expected a port like "8080:80", got "http"'],
  ['-80', 'expected a port like "8080:80", got "-80"'],
  [80.5, 'expected a port like "8080:80", got "80.5"'],
  ['80/icmp', 'invalid protocol "icmp" in port "80/icmp" (expected tcp, udp or sctp)'],
  ['8080-8081:80-82', 'port ranges "8080-8081" and "80-82" have different sizes in "8080-8081:80-82"'],
  ['300.1.1.1:80:80', 'invalid IP address "300.1.1.1" in port "300.1.1.1:80:80"'],
  ['[::1:80:80', 'invalid IP address "[::1" in port "[::1:80:80"'],
];

for (const [spec, message] of invalid) {
  s(`refuses ${JSON.stringify(spec)}`, () => {
    try {
      parsePortSpec(spec);
    } catch (e) {
      assert.instance(e, PortSyntaxError);
      assert.is((e as Error).message, message);
      return;
    }
    assert.unreachable('expected PortSyntaxError');
  });
}

s.run();
