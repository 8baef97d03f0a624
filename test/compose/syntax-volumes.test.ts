import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { parseVolumeSpec, VolumeSyntaxError } from '../../src/compose/syntax/volumes.js';

const s = suite('syntax-volumes');

const bind = (source: string, target: string, extra: Record<string, unknown> = {}, bindExtra: Record<string, unknown> = {}) => ({
  type: 'bind', source, target, ...extra, bind: { ...bindExtra, create_host_path: true },
});

const valid: Array<[string, unknown]> = [
  ['/data', { type: 'volume', target: '/data', volume: {} }],
  ['/a', { type: 'volume', target: '/a' }],
  ['db:/var/lib/db', { type: 'volume', source: 'db', target: '/var/lib/db', volume: {} }],
  ['db:/data:ro', { type: 'volume', source: 'db', target: '/data', read_only: true, volume: {} }],
  ['db:/data:nocopy', { type: 'volume', source: 'db', target: '/data', volume: { nocopy: true } }],
  ['./dir:/data:ro', bind('./dir', '/data', { read_only: true })],
  ['../up:/up', bind('../up', '/up')],
  ['/abs:/data:rw,z', bind('/abs', '/data', {}, { selinux: 'z' })],
  ['/abs:/data:Z', bind('/abs', '/data', {}, { selinux: 'Z' })],
  ['~/x:/y', bind('~/x', '/y')],
  ['/src:/dst:ro,rshared', bind('/src', '/dst', { read_only: true }, { propagation: 'rshared' })],
  // consistency options are accepted and ignored, as compose-go does
  ['./src:/app:cached', bind('./src', '/app')],
  ['./src:/app:delegated,ro', bind('./src', '/app', { read_only: true })],
  ['./src:/app/:rw', bind('./src', '/app')],
  ['/src:/a/../b/./c//', bind('/src', '/b/c')],
  ['C:\\data:/data', bind('C:\\data', '/data')],
  ['\\\\.\\pipe\\docker_engine:\\\\.\\pipe\\docker_engine', { type: 'bind', source: '\\\\.\\pipe\\docker_engine', target: '\\\\.\\pipe\\docker_engine', bind: { create_host_path: true } }],
  ['${DATA:-./data}:/data', { type: 'volume', source: '${DATA:-./data}', target: '/data', volume: {} }],
  ['./d:${TARGET:-/x:y}', bind('./d', '${TARGET:-/x:y}')],
  ['vol:/data:z', { type: 'volume', source: 'vol', target: '/data', bind: { selinux: 'z' }, volume: {} }],
];

for (const [spec, expected] of valid) {
  s(`parses ${spec}`, () => {
    assert.equal(parseVolumeSpec(spec), expected);
  });
}

const invalid: Array<[string, string]> = [
  ['', 'invalid empty volume spec'],
  ['/a:/b:ro:x', 'invalid volume "/a:/b:ro:x": too many colons'],
  ['/a::/b', 'invalid volume "/a::/b": empty section between colons'],
  ['/a:/b:', 'invalid volume "/a:/b:": empty section between colons'],
];

for (const [spec, message] of invalid) {
  s(`refuses ${JSON.stringify(spec)}`, () => {
    assert.throws(() => parseVolumeSpec(spec), (e: Error) => e instanceof VolumeSyntaxError && e.message === message);
  });
}

s.run();
