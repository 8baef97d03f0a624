// The embedded engine behind the Engine interface: images, volumes,
// containers and networks over one state root.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isNoSpace, noSpaceError, reportingNoSpace } from './no-space.js';
import type { BuildService, Engine } from '../../engine/types.js';
import { EmbeddedContainerService } from './containers/service.js';
import { withContainerLock, type ContainerContext } from './containers/context.js';
import { configExtra, containerLayout } from './containers/layout.js';
import { isActive, monitorAlive, syncRecord } from './containers/sync.js';
import { removeUnowned } from './containers/lost-monitor.js';
import { removeUnmadeVolumes } from './containers/anonymous-volumes.js';
import { volumeUsers } from './containers/volume-users.js';
import { ImageStore } from './images/store.js';
import { registryClient } from './registry/client.js';
import { BuildCache, buildCacheDir } from './build/cache.js';
import { stopAgent } from './agent/ensure.js';
import { ensureDnsAgent } from './agent/dns-agent.js';
import { NetworkManager, type NetworkDamage } from './networks/manager.js';
import { agentPaths } from './agent/paths.js';
import { liveAgent } from './agent/pidfile.js';
import { EmbeddedNetworkService } from './networks/store.js';
import { cleanupLeftovers, type CleanupReport } from './runtime/cleanup.js';
import type { RuntimeName } from './runtime/runc.js';
import { mountsUnder, unmount } from './snapshots/mount.js';
import { listRecords, readRecord, type ContainerRecord } from './state/containers.js';
import { acquireLock, acquireProjectLock } from './state/lock.js';
import { repairRecords, type RepairReport } from './state/repair.js';
import { openStateRoot } from './state/root.js';
import { LocalVolumeStore } from './volumes/store.js';

export interface EmbeddedEngineOptions {
  /** State root directory (created when missing). */
  root: string;
  /** OCI runtime binary name: runc (default) or crun. */
  runtime?: 'runc' | 'crun';
  /** Told about damage found in the state root (default: written to stderr). */
  onWarning?: (message: string) => void;
}

/** Each damaged record once: its file is in quarantine after this, so the next command does not find it again. */
function tellDamaged(report: StateRootRepairReport, onWarning = (m: string) => { process.stderr.write(`${m}\n`); }): void {
  for (const d of report.records.damaged) {
    for (const f of d.files) {
      onWarning(f.movedTo
        ? `warning: the record of container ${d.name} (${d.id.slice(0, 12)}) was damaged: ${f.path}: ${f.reason}; moved it to ${f.movedTo}. The container is listed as "damaged": remove it with "down" or "rm -f" (or "up" recreates it)`
        : `warning: the record of container ${d.name} (${d.id.slice(0, 12)}) was damaged: ${f.path} is missing. The container is listed as "damaged": remove it with "down" or "rm -f" (or "up" recreates it)`);
    }
  }
}

/** State roots repaired by this process: repair runs once per process and root. */
const repaired = new Map<string, Promise<unknown>>();

export async function createEmbeddedEngine(opts: EmbeddedEngineOptions): Promise<Engine> {
  try {
    return await openEmbeddedEngine(opts);
  } catch (error) {
    throw isNoSpace(error, resolve(opts.root)) ? noSpaceError(resolve(opts.root), error) : error;
  }
}

async function openEmbeddedEngine(opts: EmbeddedEngineOptions): Promise<Engine> {
  const root = openStateRoot(opts.root);
  const runtime: RuntimeName = opts.runtime ?? 'runc';
  const images = new ImageStore({
    root: root.path,
    isInUse: (imageId) => listRecords(root, { includeCreating: true }).some((r) => configExtra(r.config.extra).imageId === imageId),
    pinned: () => new BuildCache(buildCacheDir(root.path), () => '').pinned(),
    registry: registryClient,
  });
  const volumes = new LocalVolumeStore(root, {
    isInUse: (name) => volumeUsers(root, name),
  });
  const network = new NetworkManager(root);
  const ctx: ContainerContext = { root, images, volumes, runtime, network, ensureDns: () => ensureDnsAgent(root.path) };
  const networks = new EmbeddedNetworkService(network, {
    onNetworkCreated: ctx.ensureDns,
    // The agent also runs healthchecks and restart backoff: it stays while any container is left.
    onLastNetworkRemoved: async () => {
      if (listRecords(root, { includeCreating: true }).length === 0) await stopAgent(root.path);
    },
  });
  if (!repaired.has(root.path)) {
    network.readKernelStateEarly();
    repaired.set(root.path, repairStateRoot(ctx).then((report) => tellDamaged(report, opts.onWarning)));
  }
  await repaired.get(root.path);
  const full = <T extends object>(service: T) => reportingNoSpace(service, root.path);
  return full<Engine>({
    name: 'embedded',
    images: full(images),
    volumes: full(volumes),
    networks: full(networks),
    containers: full(new EmbeddedContainerService(ctx)),
    builder: full(lazyBuilder(ctx)),
    async lockProject(project, command, lockOpts = {}) {
      const lock = await acquireProjectLock(root, project, command, { onWait: lockOpts.onWait && ((message) => lockOpts.onWait!(message)), timeoutMs: lockOpts.timeoutMs });
      return () => lock.release();
    },
    async close() {
      // Nothing is held open between calls.
    },
  });
}

/** The builder, loaded at its first use: most commands build nothing (and start faster without its code). */
function lazyBuilder(ctx: ContainerContext): BuildService {
  let builder: Promise<BuildService> | undefined;
  const load = () => (builder ??= import('./build/builder.js').then((m) => new m.EmbeddedBuilder(ctx)));
  return {
    build: async (spec, onEvent) => (await load()).build(spec, onEvent),
    prune: async () => (await load()).prune(),
  };
}

export interface StateRootRepairReport {
  records: RepairReport;
  runtime: CleanupReport;
  /** Containers found exited (or with a dead monitor) and brought up to date. */
  synced: string[];
  unmounted: string[];
  /** Containers whose network sandbox was left behind by a run that ended unobserved. */
  sandboxes: string[];
  /** Networks whose bridge, address or firewall rules were missing, and were put back. */
  networks: NetworkDamage[];
}

/**
 * What a killed command or a crash leaves: half-made records (state/repair),
 * runtime containers without conmon whose process ended (runtime/cleanup;
 * those still running are left running: containers/lost-monitor), runs
 * that ended unobserved (released and marked exited), root filesystems
 * left mounted on stopped containers, and network sandboxes (netns, veths,
 * published ports, endpoint records) of containers no longer running.
 */
export async function repairStateRoot(ctx: ContainerContext): Promise<StateRootRepairReport> {
  // One repair at a time per state root: two commands starting at once would judge each other's work.
  const lock = await acquireLock(ctx.root.lockFile('repair'), { command: 'repair the state root' }, { timeoutMs: 5 * 60_000 });
  try {
    return await repairLocked(ctx);
  } finally {
    await lock.release();
  }
}

async function repairLocked(ctx: ContainerContext): Promise<StateRootRepairReport> {
  const records = await repairRecords(ctx.root, {
    withContainerLock: (id, fn) => withContainerLock(ctx, id, 'repair name', fn),
    isRunning: (id) => monitorAlive(ctx, id),
    removeMadeVolumes: (id, names) => removeUnmadeVolumes(ctx, id, names),
  });
  const runtime = await cleanupLeftovers(ctx.root.path, ctx.runtime, (id, fn) => withContainerLock(ctx, id, 'repair runtime', fn));
  runtime.deleted.push(...await removeUnowned(ctx, runtime.unmonitored));
  // Before anything joins them: a command killed half-way through making a network, or a reboot, left it dead.
  const networks = await ctx.network.repairNetworks();
  // The agent answers DNS on every gateway: back whenever networks exist, and told about repaired ones.
  if (networks.length > 0 || (ctx.network.listNetworks().length > 0 && !liveAgent(agentPaths(ctx.root.path).pidFile))) await ctx.ensureDns();
  const report: StateRootRepairReport = { records, runtime, synced: [], unmounted: [], sandboxes: [], networks };
  for (const record of listRecords(ctx.root)) {
    const now = await syncRecord(ctx, record);
    if (!now) continue; // removed by another command meanwhile
    if (now !== record) report.synced.push(record.config.id);
    if (!leftMounted(now)) continue;
    // Under the container's lock: a start in another command mounts the rootfs
    // while the record still says "created", and runs `runc create` on it.
    await withContainerLock(ctx, now.config.id, 'repair rootfs', async () => {
      const current = readRecord(ctx.root, now.config.id);
      if (!current || !leftMounted(current)) return;
      for (const m of mountsUnder(containerLayout(current.dir).rootfs)) {
        await unmount(m).catch(() => unmount(m, { lazy: true }));
        report.unmounted.push(m);
      }
    });
  }
  // A run noted as in another container's namespace that ended unobserved by its release (a command killed half-way): the note goes.
  for (const id of ctx.network.joinedIds()) {
    const seen = readRecord(ctx.root, id);
    if (seen && isActive(seen)) continue;
    await withContainerLock(ctx, id, 'repair network', async () => {
      const record = readRecord(ctx.root, id);
      if (record ? isActive(record) || record.state.status === 'damaged' : existsSync(ctx.root.container(id))) return;
      ctx.network.leaveSandbox(id);
    });
  }
  for (const id of ctx.network.sandboxIds()) {
    // A running container keeps its sandbox: judged without its lock first, so that a command
    // does not take every running container's lock; whatever looks left behind is judged again under it.
    const seen = readRecord(ctx.root, id);
    if (seen && isActive(seen)) continue;
    // Under the container's lock: a start in another command holds it while its sandbox is new.
    await withContainerLock(ctx, id, 'repair network', async () => {
      const record = readRecord(ctx.root, id);
      if (!ctx.network.hasNetworking(id) || (record && isActive(record))) return;
      // A damaged record (or one unreadable since this repair began): its removal tears its network down, never a guess.
      if (record?.state.status === 'damaged' || (!record && existsSync(ctx.root.container(id)))) return;
      await ctx.network.destroySandbox(id);
      report.sandboxes.push(id);
    });
  }
  return report;
}

/** A root filesystem still mounted on a container that is not running (and not being removed). */
function leftMounted(record: ContainerRecord): boolean {
  if (isActive(record) || ['dead', 'removing', 'damaged'].includes(record.state.status)) return false;
  return mountsUnder(containerLayout(record.dir).rootfs).length > 0;
}
