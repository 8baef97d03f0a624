// The embedded engine's ContainerService: Docker's container semantics over
// records (state/), overlay snapshots, and conmon + runc (runtime/).
import { rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { readMountinfoShared } from '../state/mountinfo.js';
import type {
  AttachOptions, AttachSession, ContainerDetails, ContainerFilter, ContainerService, CopyOptions, ContainerSpec, ContainerStatsSample, ContainerSummary, ExecSpec, ExecStdio, FileSync, LogEntry, LogOptions,
} from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../../../engine/detach-keys.js';
import { connectAttachSocket, resizeTerminal, type AttachConnection } from '../runtime/attach-socket.js';
import { pumpAttach } from './attach.js';
import { isMounted, mountOverlay, unmount } from '../snapshots/mount.js';
import {
  beginRemove, findRecord, listRecords, noSuchContainer, readRecord, resolveContainerId, retireRecord, updateState, type ContainerRecord,
} from '../state/containers.js';
import { runtimeOf, withContainerLock, type ContainerContext } from './context.js';
import { copyFromRoot, copyToRoot, type CopyRoot } from './copy.js';
import { syncToRoot } from './copy-sync.js';
import { createContainer } from './create.js';
import { renameContainer } from './rename.js';
import { toDetails, toSummary } from './details.js';
import { execIn } from './exec.js';
import { configExtra, containerLayout } from './layout.js';
import { readLogs } from './logs.js';
import { rotatesLog } from '../runtime/log-rotate.js';
import { startContainer } from './start.js';
import { finalizeRun, isActive, releaseMounts, stopDamaged, syncLocked, syncRecord } from './sync.js';
import { lostMonitorEnd, monitorLost } from './lost-monitor.js';
import { topOf } from './top.js';
import { readContainerStats } from '../runtime/stats.js';
import { recordHealthcheck } from '../health/config.js';
import { cancelRestart, endsContainer, markStoppedByUser } from './user-stop.js';
import { readUserDb, resolveUser } from '../runtime/user.js';

export class EmbeddedContainerService implements ContainerService {
  constructor(private readonly ctx: ContainerContext) {}

  create(spec: ContainerSpec): Promise<string> {
    return createContainer(this.ctx, spec);
  }

  async checkPorts(specs: ContainerSpec[], opts: { replacing?: string[] } = {}): Promise<void> {
    const containers = specs.filter((s) => s.ports?.length && s.networkMode !== 'host' && !s.networkMode?.startsWith('container:'))
      .map((s) => ({ containerName: s.name, bindings: s.ports! }));
    this.ctx.network.checkPortsFreeAll(containers, { exceptContainers: opts.replacing });
  }

  async start(ref: string, beforeStart?: () => Promise<void>): Promise<void> {
    const id = this.idOf(ref);
    await withContainerLock(this.ctx, id, 'start container', async () => {
      const record = await syncLocked(this.ctx, id);
      if (!record) throw noSuchContainer(ref);
      const { status } = record.state;
      if (status === 'running' || status === 'restarting') return;
      if (status === 'paused') throw new TscError('CONTAINER_PAUSED', 'cannot start a paused container, try unpause instead');
      if (status === 'damaged') throw new TscError('CONTAINER_DAMAGED', `container ${record.config.name} cannot be started: ${record.state.error ?? 'its record is damaged'}. Remove it (down, or rm -f) and create it again`);
      if (status === 'removing' || status === 'dead') throw new TscError('CONTAINER_DEAD', `container ${record.config.name} is marked for removal and cannot be started: remove it (rm -f) and create it again`);
      await startContainer(this.ctx, record, beforeStart);
      // The agent runs healthchecks and rotates logs: make sure it is there and has seen this run.
      if (recordHealthcheck(record) || rotatesLog(record.config.spec.log)) await this.ctx.ensureDns();
      // As Docker's start: a new restart count and backoff (restart/).
      await updateState(this.ctx.root, id, (s) => ({ ...s, restartCount: 0, extra: { ...s.extra, stoppedByUser: false, restart: undefined } }));
    });
  }

  async stop(ref: string, opts: { timeoutSeconds?: number; signal?: string } = {}): Promise<void> {
    const id = this.idOf(ref);
    await withContainerLock(this.ctx, id, 'stop container', async () => {
      const record = await syncLocked(this.ctx, id);
      if (record?.state.status === 'damaged' && record.state.running) return stopDamaged(this.ctx, record, opts);
      if (!record || !isActive(record)) return;
      const { spec } = record.config;
      const ctr = runtimeOf(this.ctx, id, record.config.name);
      const signal = opts.signal ?? spec.stopSignal ?? configExtra(record.config.extra).imageConfig.StopSignal ?? 'SIGTERM';
      // Before the signal: no restart policy brings back a container the user stopped (restart/).
      await markStoppedByUser(this.ctx, id);
      const known = record.state.status === 'restarting' ? undefined : { paused: record.state.paused };
      const code = await ctr.stop(opts.timeoutSeconds ?? spec.stopTimeoutSeconds ?? 10, signal, known);
      const exit = ctr.exitCode();
      // A container waiting for its restart (nothing runs) keeps its last exit code.
      const lastCode = record.state.status === 'restarting' ? record.state.exitCode : 137;
      const end = code ?? exit?.code;
      // Stopped through runc alone: conmon was gone, and the exit status with it.
      const lost = end === undefined && record.state.status !== 'restarting' && monitorLost(ctr, record);
      await finalizeRun(this.ctx, record, lost ? lostMonitorEnd() : { code: end ?? lastCode, finishedAt: exit?.finishedAt ?? new Date().toISOString() });
    });
  }

  async kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const record = await this.synced(ref);
    if (!isActive(record)) throw new TscError('CONTAINER_NOT_RUNNING', `Cannot kill container: ${ref}: container ${record.config.id} is not running`);
    if (await cancelRestart(this.ctx, record.config.id)) return;
    const stopSignal = record.config.spec.stopSignal ?? configExtra(record.config.extra).imageConfig.StopSignal;
    if (endsContainer(signal, stopSignal)) await markStoppedByUser(this.ctx, record.config.id);
    const ctr = runtimeOf(this.ctx, record.config.id, record.config.name);
    await ctr.runtime.kill(record.config.id, signal);
    if (!/^(SIG)?KILL$|^9$/.test(signal.toUpperCase())) return;
    // A frozen process takes its SIGKILL when thawed.
    if (record.state.paused) await ctr.resume().catch(() => undefined);
    await ctr.wait(5000);
    await syncRecord(this.ctx, readRecord(this.ctx.root, record.config.id) ?? record);
  }

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const id = this.idOf(ref);
    const anonymous = await withContainerLock(this.ctx, id, 'remove container', async () => {
      const record = await syncLocked(this.ctx, id);
      if (!record) throw noSuchContainer(ref);
      if ((isActive(record) || (record.state.status === 'damaged' && record.state.running)) && !opts.force) {
        throw new TscError('CONTAINER_RUNNING', `cannot remove container "/${record.config.name}": container is running: stop the container before removing or force remove`);
      }
      await beginRemove(this.ctx.root, id);
      const ctr = runtimeOf(this.ctx, id, record.config.name);
      if (record.state.paused) await ctr.resume().catch(() => undefined);
      await ctr.delete({ force: true });
      await releaseMounts(this.ctx, record);
      const trash = retireRecord(this.ctx.root, id, await readMountinfoShared());
      if (trash) await rm(trash, { recursive: true, force: true });
      return configExtra(record.config.extra).anonymousVolumes ?? [];
    });
    if (!opts.volumes) return;
    // As Docker: a volume still used by another container stays.
    for (const name of anonymous) await this.ctx.volumes.remove(name, { force: true }).catch(() => undefined);
  }

  rename(ref: string, name: string): Promise<void> {
    return renameContainer(this.ctx, ref, name);
  }

  async pause(ref: string): Promise<void> {
    const id = this.idOf(ref);
    await withContainerLock(this.ctx, id, 'pause container', async () => {
      const record = await syncLocked(this.ctx, id);
      if (!record || record.state.status !== 'running') {
        throw new TscError(record?.state.paused ? 'CONTAINER_PAUSED' : 'CONTAINER_NOT_RUNNING', record?.state.paused ? `Container ${id} is already paused` : `Container ${id} is not running`);
      }
      await runtimeOf(this.ctx, id).pause();
      await updateState(this.ctx.root, id, (s) => ({ ...s, status: 'paused', paused: true }));
    });
  }

  async unpause(ref: string): Promise<void> {
    const id = this.idOf(ref);
    await withContainerLock(this.ctx, id, 'unpause container', async () => {
      const record = await syncLocked(this.ctx, id);
      if (!record || record.state.status !== 'paused') throw new TscError('CONTAINER_NOT_PAUSED', `Container ${id} is not paused`);
      await runtimeOf(this.ctx, id).resume();
      await updateState(this.ctx.root, id, (s) => ({ ...s, status: 'running', paused: false }));
    });
  }

  /** Newest first, as `docker ps`; names match exactly (with or without the leading '/'). */
  async list(filter: ContainerFilter = {}): Promise<ContainerSummary[]> {
    const out: ContainerSummary[] = [];
    const names = filter.names?.map((n) => n.replace(/^\//, ''));
    for (const found of listRecords(this.ctx.root).reverse()) {
      if (names && !names.includes(found.config.name)) continue;
      const labels = found.config.spec.labels ?? {};
      if (filter.labels && !Object.entries(filter.labels).every(([k, v]) => k in labels && (v === undefined || labels[k] === v))) continue;
      const record = await syncRecord(this.ctx, found);
      // Removed by another command since the listing: not there any more.
      if (!record || (!filter.all && !isActive(record))) continue;
      out.push(toSummary(record));
    }
    return out;
  }

  async inspect(ref: string): Promise<ContainerDetails | undefined> {
    const found = findRecord(this.ctx.root, ref);
    // Still being created by another command: not there yet (its config is not complete).
    if (!found || found.state.phase === 'creating') return undefined;
    const record = await syncRecord(this.ctx, found);
    if (!record) return undefined;
    return toDetails(record, runtimeOf(this.ctx, record.config.id).paths.logPath, (name) => this.ctx.volumes.mountpoint(name));
  }

  async *logs(ref: string, opts: LogOptions = {}): AsyncIterable<LogEntry> {
    const id = this.idOf(ref);
    const isRunning = async () => {
      const record = readRecord(this.ctx.root, id);
      const now = record && await syncRecord(this.ctx, record);
      return now ? isActive(now) : false;
    };
    if (readRecord(this.ctx.root, id)?.config.spec.log?.driver === 'none') {
      throw new TscError('LOGS_UNAVAILABLE', 'configured logging driver does not support reading (logging.driver: none)');
    }
    yield* readLogs({ path: runtimeOf(this.ctx, id).paths.logPath, isRunning }, opts);
  }

  async wait(ref: string, opts: { signal?: AbortSignal } = {}): Promise<number> {
    const id = this.idOf(ref);
    const ctr = runtimeOf(this.ctx, id);
    let last = 0;
    for (;;) {
      const found = readRecord(this.ctx.root, id);
      if (!found) return last; // removed meanwhile (e.g. `run --rm`)
      const record = await syncRecord(this.ctx, found);
      if (!record) return last;
      last = record.state.exitCode;
      if (!isActive(record)) return last;
      opts.signal?.throwIfAborted();
      await ctr.wait(1000, opts.signal);
    }
  }

  async exec(ref: string, spec: ExecSpec, stdio: ExecStdio): Promise<number> {
    const record = await this.synced(ref);
    if (record.state.paused) throw new TscError('CONTAINER_PAUSED', `Container ${record.config.id} is paused, unpause the container before exec`);
    if (record.state.status !== 'running') throw new TscError('CONTAINER_NOT_RUNNING', `Container ${record.config.id} is not running`);
    const ctr = runtimeOf(this.ctx, record.config.id, record.config.name);
    return execIn(ctr, containerLayout(record.dir).bundle, spec, stdio);
  }

  async attach(ref: string, opts: AttachOptions): Promise<AttachSession> {
    const detachKeys = parseDetachKeys(opts.detachKeys ?? DEFAULT_DETACH_KEYS);
    const record = await this.synced(ref);
    const { spec } = record.config;
    const bundleDir = containerLayout(record.dir).bundle;
    const connect = async () => {
      if (spec.tty && opts.size) resizeTerminal(bundleDir, opts.size);
      return connectAttachSocket(bundleDir);
    };
    let socket: AttachConnection | undefined;
    // Connected between the runtime's create and start: none of the output is missed.
    if (opts.start) await this.start(record.config.id, async () => void (socket = await connect()));
    if (!socket) {
      const now = await this.synced(record.config.id);
      if (now.state.paused) throw new TscError('CONTAINER_PAUSED', 'You cannot attach to a paused container, unpause it first');
      if (now.state.status !== 'running') throw new TscError('CONTAINER_NOT_RUNNING', 'You cannot attach to a stopped container, start it first');
      socket = await connect();
    }
    // As Docker: a container without stdin_open takes no input.
    return pumpAttach(socket, { stdin: spec.stdinOpen ? opts.stdin : undefined, stdout: opts.stdout, stderr: opts.stderr, detachKeys, bundleDir });
  }

  async top(ref: string): Promise<{ titles: string[]; processes: string[][] }> {
    const record = await this.synced(ref);
    if (!isActive(record)) throw new TscError('CONTAINER_NOT_RUNNING', `Container ${record.config.id} is not running`);
    return topOf(await runtimeOf(this.ctx, record.config.id).ps());
  }

  async stats(ref: string): Promise<ContainerStatsSample> {
    const record = await this.synced(ref);
    if (!isActive(record) || record.state.pid <= 0) throw new TscError('CONTAINER_NOT_RUNNING', `Container ${record.config.id} is not running`);
    return readContainerStats(record.config.id, record.state.pid);
  }

  async copyTo(ref: string, hostPath: string, containerPath: string, opts?: CopyOptions): Promise<void> {
    await this.withCopyRoot(ref, containerPath, (root) => copyToRoot(root, hostPath, containerPath, opts));
  }

  async copyFrom(ref: string, containerPath: string, hostPath: string, opts?: CopyOptions): Promise<void> {
    await this.withCopyRoot(ref, containerPath, (root) => copyFromRoot(root, containerPath, hostPath, opts));
  }

  async syncFiles(ref: string, changes: readonly FileSync[]): Promise<{ copied: number; deleted: number }> {
    if (changes.length === 0) return { copied: 0, deleted: 0 };
    let counts = { copied: 0, deleted: 0 };
    await this.withCopyRoot(ref, changes[0]!.containerPath, async (root, record) => {
      const owner = resolveUser(record.config.spec.user, readUserDb(root.dir));
      counts = syncToRoot(root, changes, owner);
    }, { freeze: false });
    return counts;
  }

  /**
   * `freeze`: pause a running container for the work (cp, whose `cp -a` walks by name below the opened path);
   * sync walks every element by descriptor itself and leaves the container running.
   */
  private async withCopyRoot(ref: string, containerPath: string, fn: (root: CopyRoot, record: ContainerRecord) => Promise<void>, opts: { freeze?: boolean } = {}): Promise<void> {
    const record = await this.synced(ref);
    const { spec, name } = record.config;
    const mounts = configExtra(record.config.extra).mounts;
    const path = posix.resolve('/', containerPath);
    const inMount = mounts.find((m) => path === m.target || path.startsWith(`${m.target}/`));
    const readOnly = inMount ? inMount.readOnly === true : spec.readOnly === true;
    if (isActive(record) && record.state.pid > 0 && opts.freeze === false) return fn({ dir: `/proc/${record.state.pid}/root`, mounts: [], readOnly, name }, record);
    if (isActive(record) && record.state.pid > 0) {
      // Frozen while copying (as Docker's fix of CVE-2018-15664): no swap of a path under our feet.
      return withContainerLock(this.ctx, record.config.id, 'copy files', async () => {
        const current = await this.synced(record.config.id);
        if (!isActive(current) || current.state.pid <= 0) throw new TscError('CONTAINER_NOT_RUNNING', `Container ${record.config.id} stopped while copying`);
        const ctr = runtimeOf(this.ctx, record.config.id);
        const freeze = !current.state.paused;
        if (freeze) await ctr.pause();
        try {
          await fn({ dir: `/proc/${current.state.pid}/root`, mounts: [], readOnly, name }, current);
        } finally {
          if (freeze) await ctr.resume();
        }
      });
    }
    // Stopped: mount the rootfs for the copy, holding the lock so that no start races it.
    await withContainerLock(this.ctx, record.config.id, 'copy files', async () => {
      const layout = containerLayout(record.dir);
      const mountedHere = !isMounted(layout.rootfs);
      if (mountedHere) {
        const image = await this.ctx.images.resolveImage(configExtra(record.config.extra).imageId);
        await mountOverlay({ lowerDirs: [...image.layerDirs].reverse(), upperDir: layout.upper, workDir: layout.work, target: layout.rootfs });
      }
      try {
        const hostMounts = mounts
          .filter((m) => m.type !== 'tmpfs')
          .map((m) => ({ ...m, hostDir: m.type === 'volume' ? this.ctx.volumes.mountpoint(m.source) : m.source }));
        await fn({ dir: layout.rootfs, mounts: hostMounts, readOnly, name }, record);
      } finally {
        if (mountedHere) await unmount(layout.rootfs);
      }
    });
  }

  private idOf(ref: string): string {
    return resolveContainerId(this.ctx.root, ref);
  }

  private async synced(ref: string): Promise<ContainerRecord> {
    const found = findRecord(this.ctx.root, ref);
    const record = found && found.state.phase !== 'creating' ? await syncRecord(this.ctx, found) : undefined;
    if (!record) throw noSuchContainer(ref);
    return record;
  }
}
