// Makes the benchmark image offline in the state root ARGV[2]: busybox plus
// LAYERS gzip layers of MB megabytes of random bytes each, tagged REF.
// Usage: pull-image.mts ROOT REF LAYERS MB
import { randomBytes } from 'node:crypto';
import { ImageStore } from '../src/engines/embedded/images/store.js';
import { importBusybox } from '../test/fixtures/images/busybox.js';
import { commitVariant } from '../test/engines/embedded/registry-helpers.js';

const [root, ref, layers = '5', mb = '50'] = process.argv.slice(2);
if (!root || !ref) throw new Error('usage: pull-image.mts ROOT REF [LAYERS] [MB]');
const store = new ImageStore({ root });
await importBusybox(store, 'busybox:latest');
await commitVariant(store, 'busybox:latest', ref, {
  layers: Array.from({ length: Number(layers) }, (_, i) => ({ files: { [`data/${i}.bin`]: randomBytes(Number(mb) * 1024 * 1024) }, gzip: true })),
});
