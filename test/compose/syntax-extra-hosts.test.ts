import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { ExtraHostSyntaxError, parseExtraHost, parseExtraHosts } from '../../src/compose/syntax/extra-hosts.js';

const s = suite('syntax-extra-hosts');

const entries: Array<[string, [string, string[]]]> = [
  ['somehost=162.242.195.82', ['somehost', ['162.242.195.82']]],
  ['somehost:162.242.195.82', ['somehost', ['162.242.195.82']]],
  ['myhostv6=::1', ['myhostv6', ['::1']]],
  ['myhostv6:::1', ['myhostv6', ['::1']]],
  ['myhostv6=[::1]', ['myhostv6', ['::1']]],
  ['multi=10.0.0.1,10.0.0.2', ['multi', ['10.0.0.1', '10.0.0.2']]],
  ['gw=host-gateway', ['gw', ['host-gateway']]],
];

for (const [entry, expected] of entries) {
  s(`parses ${entry}`, () => assert.equal(parseExtraHost(entry), expected));
}

s('refuses an entry without address', () => {
  assert.throws(() => parseExtraHost('lonely'), (e: Error) => e instanceof ExtraHostSyntaxError && e.message === 'invalid extra host "lonely": missing IP address (expected "host=ip")');
});

s('refuses an empty host name', () => {
  assert.throws(() => parseExtraHost('=1.2.3.4'), (e: Error) => e instanceof ExtraHostSyntaxError && e.message === 'bad host name ""');
});

s('list: hosts gather their addresses; one address is a string', () => {
  assert.equal(parseExtraHosts(['a=1.1.1.1', 'b:[::2]', 'a=2.2.2.2']), { a: ['1.1.1.1', '2.2.2.2'], b: '::2' });
});

s('mapping: strings, lists and brackets', () => {
  assert.equal(parseExtraHosts({ a: '1.1.1.1', b: ['[::1]', '10.0.0.1'], c: ['3.3.3.3'] }), { a: '1.1.1.1', b: ['::1', '10.0.0.1'], c: '3.3.3.3' });
  assert.throws(() => parseExtraHosts({ 'bad:name': '1.1.1.1' }), /bad host name "bad:name"/);
});

s.run();
