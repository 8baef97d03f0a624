// A recreated container keeps the anonymous volumes of the one it replaces,
// as Docker Compose's buildContainerMountOptions does with `inherit`: the old
// container's volume at the target of each anonymous volume of the service
// (`- /data`), and at each of the image's VOLUME paths that no mount of the
// service covers, is mounted by name instead of a new one being made.
import { posix } from 'node:path';
import type { ContainerDetails, Engine, MountSpec } from '../engine/types.js';

/**
 * `mounts`: the new container's; `old`: the replaced container's as the engine
 * shows them (volumes by name); `imageVolumes`: the new image's VOLUME paths.
 * Binds and tmpfs of the old container are not carried over.
 */
export function inheritAnonymousVolumes(mounts: readonly MountSpec[], old: ContainerDetails['mounts'], imageVolumes: readonly string[]): MountSpec[] {
  const previous = new Map<string, string>();
  for (const m of old) if (m.type === 'volume' && m.source) previous.set(cleanPath(m.target), m.source);
  const out = mounts.map((m): MountSpec => {
    const source = m.type === 'volume' && !m.source ? previous.get(cleanPath(m.target)) : undefined;
    return source ? { ...m, source, inherited: true } : m;
  });
  const covered = new Set(mounts.map((m) => cleanPath(m.target)));
  for (const path of imageVolumes) {
    const target = cleanPath(path);
    const source = previous.get(target);
    if (covered.has(target) || !source) continue;
    covered.add(target);
    out.push({ type: 'volume', source, target, inherited: true });
  }
  return out;
}

/** Go's path.Clean, as Compose compares targets: `/data/` is `/data`. */
function cleanPath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** The new container's mounts with the old container's volumes carried over (the engine shows both, and the new image's VOLUMEs). */
export async function withInheritedVolumes(engine: Engine, mounts: readonly MountSpec[], oldId: string, image: string): Promise<MountSpec[]> {
  const old = await engine.containers.inspect(oldId);
  if (!old?.mounts.some((m) => m.type === 'volume')) return [...mounts];
  const img = await engine.images.inspect(image);
  return inheritAnonymousVolumes(mounts, old.mounts, Object.keys(img?.config.Volumes ?? {}));
}
