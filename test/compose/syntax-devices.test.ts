import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { DeviceSyntaxError, parseDeviceSpec } from '../../src/compose/syntax/devices.js';

const s = suite('syntax-devices');

const valid: Array<[string, unknown]> = [
  ['/dev/ttyUSB0', { source: '/dev/ttyUSB0', target: '/dev/ttyUSB0', permissions: 'rwm' }],
  ['/dev/sda:/dev/xvda', { source: '/dev/sda', target: '/dev/xvda', permissions: 'rwm' }],
  ['/dev/sda:/dev/xvda:r', { source: '/dev/sda', target: '/dev/xvda', permissions: 'r' }],
  ['/dev/sda::rw', { source: '/dev/sda', target: '/dev/sda', permissions: 'rw' }],
];

for (const [spec, expected] of valid) {
  s(`parses ${spec}`, () => assert.equal(parseDeviceSpec(spec), expected));
}

s('refuses more than three parts', () => {
  assert.throws(() => parseDeviceSpec('/a:/b:rw:x'), (e: Error) => e instanceof DeviceSyntaxError && e.message === 'confusing device mapping "/a:/b:rw:x", please use the long syntax');
});

s.run();
