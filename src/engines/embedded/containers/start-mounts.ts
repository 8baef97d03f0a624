// The mounts of a starting container as the OCI spec wants them: bind host
// paths checked (or made, as Compose does), named volumes mounted and filled
// from the image on first use, tmpfs options. Returns what to undo.
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TscError } from '../../../util/errors.js';
import type { ResolvedMount } from '../runtime/oci-spec.js';
import { openInRoot } from '../fs/open-in-root.js';
import { pinDirectory, type PinnedMount } from '../fs/pinned-mount.js';
import type { ContainerContext } from './context.js';
import type { EffectiveMount } from './layout.js';

export interface StartMounts {
  resolved: ResolvedMount[];
  /** Volumes mounted by the store (type/device volumes): unmount when the container stops. */
  mountedVolumes: string[];
  /** Private bind mounts of pinned subpaths: released once the runtime has mounted them. */
  pinned: PinnedMount[];
}

/** `pinDir`: a private directory of the container's for the pinned subpath mounts. */
export async function resolveStartMounts(ctx: ContainerContext, mounts: EffectiveMount[], rootfs: string, pinDir: string): Promise<StartMounts> {
  const out: StartMounts = { resolved: [], mountedVolumes: [], pinned: [] };
  try {
    for (const m of mounts) out.resolved.push(await resolveOne(ctx, m, rootfs, out, pinDir));
  } catch (error) {
    await releasePinned(out);
    await unmountVolumes(ctx, out.mountedVolumes);
    throw error;
  }
  return out;
}

export async function releasePinned(mounts: Pick<StartMounts, 'pinned'>): Promise<void> {
  for (const p of mounts.pinned.splice(0)) await p.release();
}

export async function unmountVolumes(ctx: ContainerContext, names: string[]): Promise<void> {
  for (const name of names) await ctx.volumes.unmount(name).catch(() => undefined);
}

async function resolveOne(ctx: ContainerContext, m: EffectiveMount, rootfs: string, out: StartMounts, pinDir: string): Promise<ResolvedMount> {
  const ro = m.readOnly ? ['ro'] : [];
  switch (m.type) {
    case 'bind': {
      ensureBindSource(m.source, m.bind?.createHostPath !== false);
      return { type: 'bind', target: m.target, source: m.source, options: [...ro, m.bind?.propagation || 'rprivate'] };
    }
    case 'volume': {
      const dir = await ctx.volumes.mount(m.source);
      out.mountedVolumes.push(m.source);
      await ctx.volumes.populateFromImage(m.source, rootfs, m.target, { nocopy: m.volume?.nocopy });
      let source = dir;
      if (m.volume?.subpath) {
        // Other containers write this volume: the subpath is opened inside it and that very
        // directory is what the runtime mounts (moby's safepath), whatever they swap meanwhile.
        const opened = openInRoot(dir, m.volume.subpath);
        if (!opened?.stat.isDirectory() && !opened?.stat.isFile()) {
          opened?.close();
          throw new TscError('INVALID_MOUNT', `cannot access path ${join(dir, m.volume.subpath)}: subpath "${m.volume.subpath}" does not exist in volume "${m.source}"`);
        }
        try {
          const pin = await pinDirectory(opened, join(pinDir, String(out.pinned.length)));
          out.pinned.push(pin);
          source = pin.path;
        } finally {
          opened.close();
        }
      }
      return { type: 'bind', target: m.target, source, options: [...ro, 'rprivate'] };
    }
    case 'tmpfs': {
      // moby daemon/oci_linux.go: tmpfs mounts are noexec,nosuid,nodev unless told otherwise.
      const options = ['noexec', 'nosuid', 'nodev', 'rprivate', ...ro];
      if (m.tmpfs?.size) options.push(`size=${m.tmpfs.size}`);
      if (m.tmpfs?.mode !== undefined) options.push(`mode=${m.tmpfs.mode.toString(8)}`);
      return { type: 'tmpfs', target: m.target, source: 'tmpfs', options };
    }
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function ensureBindSource(source: string, create: boolean): void {
  if (exists(source)) return;
  if (!create) throw bindSourceMissing(source);
  mkdirSync(source, { recursive: true, mode: 0o755 });
}

/** A bind with `create_host_path: false` whose host path is missing: refused at create (as Docker's Mounts API) and at start. */
export function checkBindSource(m: { source: string; bind?: { createHostPath?: boolean } }): void {
  if (m.bind?.createHostPath === false && !exists(m.source)) throw bindSourceMissing(m.source);
}

function bindSourceMissing(source: string): TscError {
  return new TscError('INVALID_MOUNT', `invalid mount config for type "bind": bind source path does not exist: ${source}`);
}
