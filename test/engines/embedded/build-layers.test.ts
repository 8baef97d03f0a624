// An overlay upper directory as a layer tar and back: whiteouts, opaque
// directories, hard links and binary extended attributes survive.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { packUpperDir, readTreeXattrs } from '../../../src/engines/embedded/build/layer-diff.js';
import { unpackTar } from '../../../src/engines/embedded/snapshots/unpack-tar.js';
import { makeWhiteout, markOpaque, setXattr } from '../../../src/engines/embedded/snapshots/special-files.js';
import { missingForLayers, requiring } from '../../fixtures/images/requirements.js';
import { suite } from '../../harness.js';

const s = suite('build layers');
const test = requiring(s, missingForLayers());

test('whiteouts, opaque dirs, hard links and binary xattrs go through a layer tar unchanged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-build-layer-'));
  try {
    const upper = join(dir, 'upper');
    mkdirSync(join(upper, 'opaque'), { recursive: true });
    writeFileSync(join(upper, 'opaque', 'kept'), 'k');
    await markOpaque(join(upper, 'opaque'));
    await makeWhiteout(join(upper, 'deleted'));
    writeFileSync(join(upper, 'a'), 'same');
    linkSync(join(upper, 'a'), join(upper, 'b'));
    const binary = Buffer.from([0x01, 0x00, 0x80, 0xff, 0x0a]);
    await setXattr(join(upper, 'a'), 'trusted.tsc-test', binary);
    const out = join(dir, 'out');
    mkdirSync(out);
    const listing = execFileSync('tar', ['-t'], { input: await streamToBuffer(packUpperDir(upper, await readTreeXattrs(upper)) as unknown as AsyncIterable<Buffer>) }).toString().split('\n');
    assert.ok(listing.includes('.wh.deleted') && listing.includes('opaque/.wh..wh..opq'), listing.join(' '));
    await unpackTar(packUpperDir(upper, await readTreeXattrs(upper)) as never, out);
    const st = statSync(join(out, 'deleted'));
    assert.ok(st.isCharacterDevice() && st.rdev === 0, 'the whiteout is a 0/0 device again');
    assert.is(statSync(join(out, 'a')).ino, statSync(join(out, 'b')).ino);
    const attrs = await readTreeXattrs(out);
    assert.is(attrs.get('opaque')?.['trusted.overlay.opaque'], 'y');
    assert.equal(Buffer.from(attrs.get('a')?.['trusted.tsc-test'] ?? '', 'latin1'), binary);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function streamToBuffer(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

s.run();
