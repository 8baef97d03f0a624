import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { familiarize, normalizeReference, parseReference } from '../../../src/engines/embedded/images/reference.js';
import { goArch } from '../../../src/engines/embedded/images/oci.js';

const s = suite('images: references');

const NORMALIZED: Array<[string, string, string]> = [
  ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
  ['library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
  ['index.docker.io/library/busybox:x', 'docker.io/library/busybox:x', 'busybox:x'],
  ['user/app', 'docker.io/user/app:latest', 'user/app:latest'],
  ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
  ['localhost:5000/x:1', 'localhost:5000/x:1', 'localhost:5000/x:1'],
  ['ghcr.io/a/b/c:v1.2', 'ghcr.io/a/b/c:v1.2', 'ghcr.io/a/b/c:v1.2'],
  ['127.0.0.1:5000/a_b__c-d.e', '127.0.0.1:5000/a_b__c-d.e:latest', '127.0.0.1:5000/a_b__c-d.e:latest'],
  [`busybox@sha256:${'a'.repeat(64)}`, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`, `busybox@sha256:${'a'.repeat(64)}`],
  [`busybox:1@sha256:${'b'.repeat(64)}`, `docker.io/library/busybox:1@sha256:${'b'.repeat(64)}`, `busybox:1@sha256:${'b'.repeat(64)}`],
];

for (const [input, full, familiar] of NORMALIZED) {
  s(`normalizes ${input}`, () => {
    assert.is(normalizeReference(input), full);
    assert.is(familiarize(full), familiar);
  });
}

for (const bad of ['Busybox', 'busy box', 'a/B', 'x:', 'x:-tag', 'x@sha256:123', '', 'a'.repeat(64), 'a//b', '-a']) {
  s(`refuses ${JSON.stringify(bad)}`, () => {
    assert.throws(() => parseReference(bad), (e: Error & { code?: string }) => e.code === 'IMAGE_REFERENCE_INVALID' && e.message.includes('invalid image reference'));
  });
}

s('maps Node architectures to Go names', () => {
  assert.is(goArch('x64'), 'amd64');
  assert.is(goArch('arm64'), 'arm64');
  assert.is(goArch('ia32'), '386');
});

s.run();
