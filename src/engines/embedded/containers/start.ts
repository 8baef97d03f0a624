// `start`: overlay rootfs (image layers under the container's upper dir),
// mounts, the OCI bundle, then conmon + runc. Called with the container's lock
// held. A failed start releases everything and records the error on the
// container, as Docker does (State.Error, exit code 127/126/128).
import { existsSync } from 'node:fs';
import { buildOciSpec } from '../runtime/oci-spec.js';
import { detectCgroupVersion } from '../runtime/cgroups.js';
import { findInitBinary } from '../runtime/init-binary.js';
import { readHostRlimits } from '../runtime/rlimits.js';
import { TscError } from '../../../util/errors.js';
import { isMounted, mountOverlay } from '../snapshots/mount.js';
import { findRecord, updateState, type ContainerRecord } from '../state/containers.js';
import { runtimeOf, type ContainerContext } from './context.js';
import { configExtra, containerLayout } from './layout.js';
import { resetRuntime } from './runtime-reset.js';
import { releaseMounts } from './sync.js';
import { resolveStartMounts } from './start-mounts.js';

export async function startContainer(ctx: ContainerContext, record: ContainerRecord): Promise<void> {
  const { config } = record;
  const extra = configExtra(config.extra);
  const layout = containerLayout(record.dir);
  const ctr = runtimeOf(ctx, config.id, config.name);
  let mountedVolumes: string[] = [];
  try {
    const netns = networkNamespace(ctx, config.spec.networkMode);
    await resetRuntime(ctr);
    if (!isMounted(layout.rootfs)) {
      const image = await ctx.images.resolveImage(extra.imageId);
      await mountOverlay({ lowerDirs: [...image.layerDirs].reverse(), upperDir: layout.upper, workDir: layout.work, target: layout.rootfs });
    }
    const mounts = await resolveStartMounts(ctx, extra.mounts, layout.rootfs);
    mountedVolumes = mounts.mountedVolumes;
    const spec = buildOciSpec({
      id: config.id,
      spec: { ...config.spec, hostname: extra.hostname },
      image: extra.imageConfig,
      rootfs: layout.rootfs,
      hostsFile: layout.hosts,
      hostnameFile: layout.hostname,
      resolvConfFile: layout.resolvConf,
      resolvedMounts: mounts.resolved,
      netns,
      cgroupsPath: ctr.cgroupsPath,
      hostRlimits: readHostRlimits(),
      cgroupVersion: detectCgroupVersion(),
      initPath: config.spec.init ? findInitBinary() : undefined,
    });
    const pid = await ctr.create(layout.bundle, spec);
    await ctr.start();
    await updateState(ctx.root, config.id, (s) => ({
      ...s, status: 'running', running: true, paused: false, restarting: false, pid, exitCode: 0, error: undefined,
      startedAt: new Date().toISOString(), extra: { ...s.extra, mountedVolumes },
    }));
  } catch (error) {
    await resetRuntime(ctr).catch(() => undefined);
    await releaseMounts(ctx, { ...record, state: { ...record.state, extra: { ...record.state.extra, mountedVolumes } } }).catch(() => undefined);
    const message = (error as Error).message;
    await updateState(ctx.root, config.id, (s) => ({ ...s, running: false, pid: 0, exitCode: startExitCode(message), error: message })).catch(() => undefined);
    throw error instanceof TscError ? error : new TscError('START_FAILED', message);
  }
}

/** Docker's codes for a process that could not be started. */
function startExitCode(message: string): number {
  if (/permission denied|not executable/i.test(message)) return 126;
  if (/no such file|not found/i.test(message)) return 127;
  return 128;
}

/**
 * networking: next issue. 'host' shares the host's namespace and
 * `container:<x>` joins x's; everything else ('none', 'bridge', 'default', a
 * Compose network) gets a new namespace with only loopback until bridges,
 * veths and DNS land.
 */
function networkNamespace(ctx: ContainerContext, mode: string | undefined): string | undefined {
  if (mode === 'host') return 'host';
  if (mode?.startsWith('container:')) {
    const ref = mode.slice('container:'.length);
    const peer = findRecord(ctx.root, ref);
    const path = peer && peer.state.running && peer.state.pid > 0 ? `/proc/${peer.state.pid}/ns/net` : undefined;
    if (!path || !existsSync(path)) throw new TscError('PEER_NOT_RUNNING', `cannot join network namespace of a non running container: ${ref}`);
    return path;
  }
  return undefined;
}
