// Recreating a container as Docker Compose's recreateContainer does: the new
// container is made under a temporary name while the old one runs on; only
// then is the old one stopped and removed, and the new one takes the name.
// A new container that cannot be made leaves the old one untouched. Unless
// told otherwise (`up -V`), the new container mounts the old one's anonymous
// volumes; the old one is removed without its volumes, as Compose does.
import type { Engine } from '../engine/types.js';
import { TscError } from '../util/errors.js';
import { withInheritedVolumes } from './inherit-volumes.js';
import type { StepAction } from './plan-types.js';

export type RecreateAction = Extract<StepAction, { op: 'container-recreate' }>;

export interface RecreateHooks {
  /** Stops the old container (pre_stop hooks, timeout). */
  stopOld: (id: string) => Promise<void>;
  /** Aborted once the new container exists: it is removed again and the old one kept. */
  signal?: AbortSignal;
}

/** Resolves with the new container's id; on failure the old container is left as it was. */
export async function recreateContainer(engine: Engine, a: RecreateAction, hooks: RecreateHooks): Promise<string> {
  const name = a.spec.name;
  const holder = (await engine.containers.list({ all: true, names: [name] }))[0];
  if (holder && holder.id !== a.old.id) {
    throw new TscError('NAME_CONFLICT', `${a.old.name} was not recreated (the old container is kept): the name "${name}" is in use by container ${holder.id.slice(0, 12)}; remove or rename that container`);
  }
  let id: string;
  try {
    const spec = { ...a.spec, name: a.tempName };
    if (a.inheritVolumes) {
      const mounts = await withInheritedVolumes(engine, a.spec.mounts ?? [], a.old.id, a.spec.image);
      if (mounts.length > 0) spec.mounts = mounts;
    }
    id = await engine.containers.create(spec);
  } catch (error) {
    if (!(error instanceof TscError)) throw error;
    throw new TscError(error.code, `${a.old.name} was not recreated (the old container is kept): ${error.message}`);
  }
  try {
    hooks.signal?.throwIfAborted();
    await hooks.stopOld(a.old.id);
    await engine.containers.remove(a.old.id, { force: true });
  } catch (error) {
    // With the volumes it made; those it got from the old container stay (in use by it, or mounted by name on Docker).
    await engine.containers.remove(id, { force: true, volumes: true }).catch(() => undefined);
    throw error;
  }
  await engine.containers.rename(id, name);
  return id;
}
