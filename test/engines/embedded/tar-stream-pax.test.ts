import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as assert from 'uvu/assert';
import { keepBinaryPaxValues, paxDecodingKeepsBytes } from '../../../src/engines/embedded/snapshots/tar-stream-pax.js';
import { suite } from '../../harness.js';

const s = suite('tar-stream PAX patch');
const require = createRequire(import.meta.url);
const headers = require(join(dirname(require.resolve('tar-stream')), 'headers.js')) as { decodePax: (buf: Buffer) => Record<string, string> };

s('the patch takes on the installed tar-stream, and the start-up check would see it gone', async () => {
  await keepBinaryPaxValues();
  assert.ok(await paxDecodingKeepsBytes(), 'binary xattr values survive with the patch');
  const ours = headers.decodePax;
  // What a tar-stream upgrade that stopped calling our function would do: decode as UTF-8.
  headers.decodePax = (buf) => {
    const out: Record<string, string> = {};
    for (const line of buf.toString('utf8').split('\n').filter(Boolean)) {
      const rec = line.slice(line.indexOf(' ') + 1);
      out[rec.slice(0, rec.indexOf('='))] = rec.slice(rec.indexOf('=') + 1);
    }
    return out;
  };
  try {
    assert.not.ok(await paxDecodingKeepsBytes(), 'the check notices a decoder that mangles bytes');
  } finally {
    headers.decodePax = ours;
  }
});

s.run();
