// What the recreate-volumes tests of both engines look at: the volumes mounted at
// /data (the service's anonymous volume) and /imgvol (the image's VOLUME).
import * as assert from 'uvu/assert';
import type { Engine } from '../../src/engine/types.js';

export const WRITE = ['exec', '-T', 'app', 'sh', '-c', 'echo kept > /data/f && echo image > /imgvol/f'];
export const READ = ['exec', '-T', 'app', 'sh', '-c', 'cat /data/f /imgvol/f'];

/** The container's id and the volume mounted at each of /data and /imgvol. */
export async function anonMounts(engine: Engine, container: string): Promise<{ id: string; data: string; imgvol: string }> {
  const d = await engine.containers.inspect(container);
  assert.ok(d, `${container} exists`);
  const at = (target: string) => d!.mounts.find((m) => m.target === target && m.type === 'volume')?.source ?? '';
  return { id: d!.id, data: at('/data'), imgvol: at('/imgvol') };
}

export async function volumeNames(engine: Engine): Promise<string[]> {
  return (await engine.volumes.list()).map((v) => v.name).sort();
}
