// Child of anon-volumes.test.ts: makes a complete container with an
// anonymous volume, then starts making one that mounts that volume (as a
// recreate carries it over) and two anonymous ones of its own, and exits at
// once (process.exit(130), as a second Ctrl-C does) while the second is made;
// with `kill` after the root, SIGKILLs itself there instead (no exit hook runs).
import type { ContainerSpec, VolumeSpec } from '../../../src/engine/types.js';
import { createEmbeddedEngine } from '../../../src/engines/embedded/engine.js';
import { LocalVolumeStore } from '../../../src/engines/embedded/volumes/store.js';

const engine = await createEmbeddedEngine({ root: process.argv[2]! });
const spec = (name: string, mounts: ContainerSpec['mounts']): ContainerSpec => ({ name, image: 'busybox', labels: {}, env: {}, mounts });
const kept = await engine.containers.create(spec('kept', [{ type: 'volume', target: '/k' }]));
const keptVolume = (await engine.containers.inspect(kept))!.mounts[0]!.source!;
process.stdout.write(`${kept} ${keptVolume}`);

const create = LocalVolumeStore.prototype.create;
let anonymous = 0;
LocalVolumeStore.prototype.create = async function (this: LocalVolumeStore, v: VolumeSpec, opts?: { anonymousName?: string }) {
  if (!v.name && ++anonymous === 2) {
    if (process.argv[3] === 'kill') process.kill(process.pid, 'SIGKILL');
    process.exit(130);
  }
  return create.call(this, v, opts);
};
await engine.containers.create(spec('half-made', [
  { type: 'volume', source: keptVolume, target: '/old', inherited: true },
  { type: 'volume', target: '/a' },
  { type: 'volume', target: '/b' },
]));
process.exit(1);
