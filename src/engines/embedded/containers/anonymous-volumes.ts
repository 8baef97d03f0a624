// The anonymous volumes a create makes, and their removal when that create
// was killed half-way. Their names are chosen first and written beside the
// half-made record (state/made-volumes) before any is made, so that the
// repair removing the record removes exactly those volumes.
import { atUnfinishedExit } from '../state/containers.js';
import { generateId } from '../state/ids.js';
import { writeMadeVolumes } from '../state/made-volumes.js';
import type { ContainerContext } from './context.js';
import type { EffectiveMount } from './layout.js';
import { volumeUsers } from './volume-users.js';

/** Gives each of `mounts` (volume mounts without a source yet) a new anonymous volume; `made` gets their names as they are made. */
export async function makeAnonymousVolumes(ctx: ContainerContext, id: string, mounts: EffectiveMount[], made: string[]): Promise<void> {
  if (mounts.length === 0) return;
  const names = mounts.map(() => generateId());
  writeMadeVolumes(ctx.root.container(id), names);
  for (const [i, mount] of mounts.entries()) {
    const v = await ctx.volumes.create({ name: '' }, { anonymousName: names[i] });
    made.push(v.name);
    mount.source = v.name;
    // A second Ctrl-C exits before createContainer's undo runs: the exit hook that takes the record takes the volume too.
    atUnfinishedExit(ctx.root, id, () => {
      if (volumeUsers(ctx.root, v.name).length === 0) ctx.volumes.removeAtExit(v.name);
    });
  }
}

/**
 * The repair of a record whose create was killed (state/repair): removes the
 * anonymous volumes the create listed (state/made-volumes), unless another
 * container uses one. Returns those removed.
 */
export async function removeUnmadeVolumes(ctx: ContainerContext, id: string, names: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const name of names) {
    const volume = await ctx.volumes.inspect(name);
    if (!volume || !ctx.volumes.isAnonymous(volume)) continue;
    // Judged here: the store of `system boot` and `doctor --repair` (agent/open-context) checks no users.
    if (volumeUsers(ctx.root, name).some((user) => user !== id)) continue;
    try {
      await ctx.volumes.remove(name, { unmade: id });
      removed.push(name);
    } catch {
      // Mounted, or taken meanwhile: left for `volume rm` / `volume prune`.
    }
  }
  return removed;
}
