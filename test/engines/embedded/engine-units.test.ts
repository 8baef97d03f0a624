// Pure parts of the embedded engine's container service.
import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { buildHostsFile, buildResolvConf } from '../../../src/engines/embedded/containers/etc-files.js';
import { parseGoDuration, parseLogTime, parseTimestamp } from '../../../src/engines/embedded/containers/log-time.js';
import { parsePsOutput } from '../../../src/engines/embedded/containers/top.js';

const s = suite('engine-units');

s('hosts: Docker\'s defaults, extra hosts, then the container itself', () => {
  const text = buildHostsFile({ hostname: 'abc', domainname: 'example.org', extraHosts: [{ host: 'db', ip: '10.0.0.2' }] });
  const lines = text.trim().split('\n');
  assert.is(lines[0], '127.0.0.1\tlocalhost');
  assert.is(lines[1], '::1\tlocalhost ip6-localhost ip6-loopback');
  assert.ok(lines.includes('10.0.0.2\tdb'));
  assert.is(lines.at(-1), '127.0.0.1\tabc.example.org abc');
});

s('resolv.conf: loopback resolvers dropped (8.8.8.8 fallback), dns/search/options replace the host\'s', () => {
  const host = '# comment\nnameserver 127.0.0.53\nsearch lan\noptions edns0\n';
  assert.is(buildResolvConf({ host }), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\nsearch lan\noptions edns0\n');
  assert.is(buildResolvConf({ host, hostNetwork: true }), 'nameserver 127.0.0.53\nsearch lan\noptions edns0\n');
  assert.is(buildResolvConf({ host: 'nameserver 10.0.0.1\n', dns: ['1.1.1.1'], dnsSearch: ['a.b'], dnsOptions: ['ndots:2'] }), 'nameserver 1.1.1.1\nsearch a.b\noptions ndots:2\n');
});

s('log times: Go durations, Unix timestamps, RFC 3339 with nanoseconds', () => {
  assert.is(parseGoDuration('1h30m'), 5_400_000);
  assert.is(parseGoDuration('250ms'), 250);
  assert.is(parseGoDuration('10'), undefined);
  assert.is(parseLogTime('10m', 1_000_000), 400_000);
  assert.is(parseLogTime('1700000000.5'), 1_700_000_000_500);
  assert.is(parseTimestamp('2024-01-01T00:00:00.123456789+00:00'), Date.UTC(2024, 0, 1, 0, 0, 0, 123));
  assert.throws(() => parseLogTime('yesterday'), /not an RFC 3339 time/);
});

s('top: ps rows keep the command with its spaces', () => {
  const rows = parsePsOutput('USER PID PPID C STIME TT TIME COMMAND\nroot 10 1 0 12:00 ? 00:00:00 sh -c while true; do sleep 1; done\n');
  assert.equal(rows, [['root', '10', '1', '0', '12:00', '?', '00:00:00', 'sh -c while true; do sleep 1; done']]);
});

s.run();
