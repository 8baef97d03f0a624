// Named volumes of the `local` driver: <root>/volumes/<name>/_data beside a
// volume.json record, as Docker lays them out.
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { VolumeDetails, VolumeService, VolumeSpec } from '../../../engine/types.js';
import { readJson, writeJsonAtomic } from '../../../util/atomic-file.js';
import { TscError } from '../../../util/errors.js';
import { checkVolumeName, generateId, isFullId } from '../state/ids.js';
import { acquireLock } from '../state/lock.js';
import type { StateRoot } from '../state/root.js';
import { copyUp, type CopyUpOptions } from './copy-up.js';
import { checkLocalOptions, isMounted, isMountVolume, mountLocal, unmountLocal } from './local-options.js';

/** Docker marks volumes made for a container without a name (Engine 23+). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

interface VolumeRecord {
  name: string;
  driver: 'local';
  labels: Record<string, string>;
  options: Record<string, string>;
  created: string;
}

export interface VolumeStoreOptions {
  /** Ids of the containers that use the volume; a volume in use is not removed. */
  isInUse?: (name: string) => Promise<string[]> | string[];
}

export class LocalVolumeStore implements VolumeService {
  constructor(private readonly root: StateRoot, private readonly opts: VolumeStoreOptions = {}) {}

  /**
   * Idempotent for an existing name with the same driver (its labels and options are kept).
   * An empty name makes an anonymous volume, named `anonymousName` when given (a full id).
   */
  async create(spec: VolumeSpec, opts: { anonymousName?: string } = {}): Promise<VolumeDetails> {
    const anonymous = !spec.name;
    if (anonymous && opts.anonymousName !== undefined && !isFullId(opts.anonymousName)) {
      throw new TscError('INVALID_NAME', `an anonymous volume's name is 64 hex digits, not "${opts.anonymousName}"`);
    }
    const name = anonymous ? opts.anonymousName ?? generateId() : checkVolumeName(spec.name);
    const driver = spec.driver || 'local';
    const existing = this.read(name);
    if (existing) return this.checkSameDriver(existing, driver);
    if (driver !== 'local') {
      throw new TscError('UNSUPPORTED_VOLUME_DRIVER', `volume "${name}": driver "${driver}" is not supported by the embedded engine (only "local"); use --engine docker for volume plugins`);
    }
    const options = { ...(spec.driverOpts ?? {}) };
    checkLocalOptions(name, options);
    const labels = { ...(spec.labels ?? {}), ...(anonymous ? { [ANONYMOUS_LABEL]: '' } : {}) };
    const record: VolumeRecord = { name, driver: 'local', labels, options, created: dockerTime(new Date()) };
    // Made in tmp/ and renamed into place: a volume directory always has its record.
    const staging = join(this.root.tmp, `volume-${name}-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(join(staging, '_data'), { recursive: true, mode: 0o755 });
    writeJsonAtomic(join(staging, 'volume.json'), record);
    try {
      renameSync(staging, this.root.volume(name));
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      const raced = code === 'ENOTEMPTY' || code === 'EEXIST' ? this.read(name) : undefined;
      if (raced) return this.checkSameDriver(raced, driver);
      throw error;
    }
    return this.details(record);
  }

  async inspect(name: string): Promise<VolumeDetails | undefined> {
    const record = this.read(name);
    return record && this.details(record);
  }

  async list(filter: { labels?: Record<string, string | undefined> } = {}): Promise<VolumeDetails[]> {
    const out: VolumeDetails[] = [];
    for (const name of readdirSync(this.root.volumes).sort()) {
      const record = this.read(name);
      if (!record) continue;
      if (filter.labels && !Object.entries(filter.labels).every(([k, v]) => k in record.labels && (v === undefined || record.labels[k] === v))) continue;
      out.push(this.details(record));
    }
    return out;
  }

  /**
   * Refuses a volume in use, as Docker does even with force; force makes a missing volume no error.
   * `unmade`: a container whose creation is being undone, whose record may list the volume: no user.
   */
  async remove(name: string, opts: { force?: boolean; unmade?: string } = {}): Promise<void> {
    const record = this.read(name);
    if (!record) {
      if (opts.force) return;
      throw new TscError('NO_SUCH_VOLUME', `No such volume: ${name}`);
    }
    const users = ((await this.opts.isInUse?.(name)) ?? []).filter((id) => id !== opts.unmade);
    if (users.length > 0) {
      throw new TscError('VOLUME_IN_USE', `remove ${name}: volume is in use - [${users.join(', ')}]`);
    }
    const lock = await this.lock(name, 'remove volume');
    try {
      if (isMountVolume(record.options)) await unmountLocal(this.mountpoint(name));
      if (isMounted(this.mountpoint(name))) {
        throw new TscError('VOLUME_BUSY', `remove ${name}: ${this.mountpoint(name)} is still mounted; unmount it (umount ${this.mountpoint(name)}) and try again`);
      }
      this.discard(name);
    } finally {
      await lock.release();
    }
  }

  /**
   * At process exit (nothing async, no lock): removes an anonymous volume this
   * process made for a container it did not finish, that nothing else knows of.
   */
  removeAtExit(name: string): void {
    const record = this.read(name);
    if (record && ANONYMOUS_LABEL in record.labels && !isMountVolume(record.options)) this.discard(name);
  }

  /** Renamed out of volumes/ first: a half-deleted directory is never listed. */
  private discard(name: string): void {
    const trash = join(this.root.tmp, `removed-volume-${name}-${process.pid}`);
    renameSync(this.root.volume(name), trash);
    rmSync(trash, { recursive: true, force: true });
  }

  /** The host directory a container mounts for this volume; mounts it first for type/device volumes. */
  async mount(name: string): Promise<string> {
    const record = this.require(name);
    const target = this.mountpoint(name);
    if (isMountVolume(record.options)) {
      const lock = await this.lock(name, 'mount volume');
      try {
        await mountLocal(name, record.options, target);
      } finally {
        await lock.release();
      }
    }
    return target;
  }

  /** Undoes `mount` (for type/device volumes); call when no container uses the volume any more. */
  async unmount(name: string): Promise<void> {
    const record = this.read(name);
    if (record && isMountVolume(record.options)) await unmountLocal(this.mountpoint(name));
  }

  /**
   * Copy-up: fills the empty volume with `subpath` of the image's root
   * filesystem, as Docker does when a volume is first mounted over it.
   * Call after `mount`. Returns whether anything was copied.
   */
  async populateFromImage(name: string, imageRootfsPath: string, subpath: string, opts: CopyUpOptions = {}): Promise<boolean> {
    this.require(name);
    if (opts.nocopy) return false;
    const lock = await this.lock(name, 'populate volume');
    try {
      return await copyUp(imageRootfsPath, subpath, this.mountpoint(name), opts);
    } finally {
      await lock.release();
    }
  }

  mountpoint(name: string): string {
    return join(this.root.volume(name), '_data');
  }

  isAnonymous(details: VolumeDetails): boolean {
    return ANONYMOUS_LABEL in details.labels && isFullId(details.name);
  }

  private read(name: string): VolumeRecord | undefined {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) return undefined;
    try {
      return readJson<VolumeRecord>(join(this.root.volume(name), 'volume.json'));
    } catch (error) {
      if (error instanceof SyntaxError || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  private require(name: string): VolumeRecord {
    const record = this.read(name);
    if (!record) throw new TscError('NO_SUCH_VOLUME', `No such volume: ${name}`);
    return record;
  }

  private checkSameDriver(existing: VolumeRecord, driver: string): VolumeDetails {
    if (existing.driver !== driver) {
      throw new TscError('VOLUME_CONFLICT', `create ${existing.name}: volume name is already used by driver "${existing.driver}", not "${driver}"`);
    }
    return this.details(existing);
  }

  private details(record: VolumeRecord): VolumeDetails {
    return { name: record.name, driver: record.driver, mountpoint: this.mountpoint(record.name), labels: { ...record.labels }, created: record.created, options: { ...record.options } };
  }

  private lock(name: string, what: string) {
    return acquireLock(this.root.lockFile(`volume-${name}`), { command: what }, { timeoutMs: 5 * 60_000, pollMs: 20 });
  }
}

/** RFC 3339 to the second, as Docker prints CreatedAt. */
function dockerTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function createVolumeStore(root: StateRoot, opts: VolumeStoreOptions = {}): LocalVolumeStore {
  return new LocalVolumeStore(root, opts);
}
