// A step's root filesystem: an overlay mount of the stage's layers under a
// fresh upper directory in `<root>/build/tmp/<pid>-<random>`, and the commit
// of that upper directory as a layer of the image store.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isPidAlive, type ImageStore } from '../images/store.js';
import { MEDIA } from '../images/oci.js';
import { mountOverlay, mountsUnder, unmount } from '../snapshots/mount.js';
import { isEmptyDir, packUpperDir, readTreeXattrs } from './layer-diff.js';

export interface LayerRef {
  diffId: string;
  blob: string;
  mediaType: string;
}

export class Workspace {
  readonly upper: string;
  readonly rootfs: string;
  private mounted = false;
  private readonly prune = new Map<string, Stats>();

  private constructor(readonly dir: string) {
    this.upper = join(dir, 'upper');
    this.rootfs = join(dir, 'rootfs');
  }

  static async open(images: ImageStore, tmpRoot: string, layers: LayerRef[]): Promise<Workspace> {
    const ws = new Workspace(join(tmpRoot, `${process.pid}-${randomBytes(6).toString('hex')}`));
    try {
      const empty = join(ws.dir, 'empty');
      for (const d of [ws.upper, join(ws.dir, 'work'), ws.rootfs, empty]) await mkdir(d, { recursive: true, mode: 0o755 });
      const lower: string[] = [];
      for (const l of layers) lower.push((images.layers.get(l.diffId) ?? (await images.layers.ensure(images.blobs.path(l.blob), l.diffId))).dir);
      await mountOverlay({ lowerDirs: lower.length ? lower.reverse() : [empty], upperDir: ws.upper, workDir: join(ws.dir, 'work'), target: ws.rootfs });
      ws.mounted = true;
      return ws;
    } catch (error) {
      await ws.close();
      throw error;
    }
  }

  /**
   * Directories (container paths) that the step's runtime may have copied up
   * without changing them (they held mount points): left out of the layer
   * when they end up empty and not opaque.
   */
  pruneIfUnchanged(path: string, before: Stats): void {
    this.prune.set(path, before);
  }

  /** Unmounts, then stores the upper directory as a layer (undefined when the step changed nothing). */
  async commit(images: ImageStore): Promise<LayerRef | undefined> {
    await this.unmount();
    if (await isEmptyDir(this.upper)) return undefined;
    let xattrs = await readTreeXattrs(this.upper);
    if (this.prune.size) {
      // Deepest first: /etc/x before /etc.
      for (const [path, before] of [...this.prune].sort(([a], [b]) => (a < b ? 1 : -1))) {
        const rel = path.replace(/^\/+/, '');
        const now = await lstat(join(this.upper, rel)).catch(() => undefined);
        const same = now?.isDirectory() && now.mode === before.mode && now.uid === before.uid && now.gid === before.gid;
        if (!same || xattrs.get(rel)?.['trusted.overlay.opaque'] === 'y') continue;
        await rmdir(join(this.upper, rel)).catch(() => undefined);
      }
      if (await isEmptyDir(this.upper)) return undefined;
      xattrs = await readTreeXattrs(this.upper);
    }
    const stats = { size: 0 };
    const blob = await images.blobs.writeStream(packUpperDir(this.upper, xattrs, stats) as unknown as Readable);
    // The blob is the uncompressed tar: its digest is the diff ID. The upper
    // directory is already what overlayfs reads as a lower layer (as with
    // containerd's overlay snapshotter), so it becomes the layer as it is.
    const layer = await images.layers.adopt(this.upper, { diffId: blob.digest, tarSize: blob.size, size: stats.size });
    return { diffId: layer.diffId, blob: blob.digest, mediaType: MEDIA.ociLayer };
  }

  async unmount(): Promise<void> {
    if (!this.mounted) return;
    for (const m of mountsUnder(this.rootfs)) await unmount(m).catch(() => unmount(m, { lazy: true }));
    this.mounted = false;
  }

  async close(): Promise<void> {
    await this.unmount();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Workspaces of build processes that are gone (killed mid-step): unmounted and removed. */
export async function removeStaleWorkspaces(tmpRoot: string): Promise<void> {
  for (const name of await readdir(tmpRoot).catch(() => [] as string[])) {
    const pid = Number(name.split('-')[0]);
    if (isPidAlive(pid)) continue;
    const dir = join(tmpRoot, name);
    for (const m of mountsUnder(dir)) await unmount(m, { lazy: true }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
