// `start`: overlay rootfs (image layers under the container's upper dir),
// mounts, the OCI bundle, then conmon + runc. Called with the container's lock
// held. A failed start releases everything and records the error on the
// container, as Docker does (State.Error, exit code 127/126/128).
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOciSpec } from '../runtime/oci-spec.js';
import { detectCgroupVersion } from '../runtime/cgroups.js';
import { findInitBinary } from '../runtime/init-binary.js';
import { readHostRlimits } from '../runtime/rlimits.js';
import { ensureDefaultAppArmorProfile } from '../runtime/apparmor.js';
import { hostCapabilities } from '../runtime/capabilities.js';
import { TscError } from '../../../util/errors.js';
import { isMounted, mountOverlay } from '../snapshots/mount.js';
import { updateState, type ContainerRecord } from '../state/containers.js';
import { runtimeOf, type ContainerContext } from './context.js';
import { configExtra, containerLayout } from './layout.js';
import { resetRuntime } from './runtime-reset.js';
import { buildHostsFile, buildNetworkResolvConf, readHostResolvConf } from './etc-files.js';
import { setupNetwork, type RunNetwork } from './networking.js';
import { releaseMounts } from './sync.js';
import { exitHookCommand } from '../restart/exit-command.js';
import { releasePinned, resolveStartMounts } from './start-mounts.js';
import { resolveNamespaces } from './namespaces.js';
import { writeContainerFiles } from './container-files.js';
import { resolveDevices } from '../runtime/devices.js';
import { resolveBlockIO } from '../runtime/block-io.js';
import { recordHealthcheck } from '../health/config.js';
import { startingHealth } from '../health/record.js';

/** `beforeStart`: runs once the runtime has created the container and before it runs (attach does its connecting there). */
export async function startContainer(ctx: ContainerContext, record: ContainerRecord, beforeStart?: () => Promise<void>): Promise<void> {
  const { config } = record;
  const extra = configExtra(config.extra);
  const layout = containerLayout(record.dir);
  const ctr = runtimeOf(ctx, config.id, config.name, exitHookCommand(ctx.root.path, config.id, config.spec.restartPolicy), config.spec.log);
  let mountedVolumes: string[] = [];
  let network: RunNetwork['state'];
  let pinned: Parameters<typeof releasePinned>[0] = { pinned: [] };
  try {
    await resetRuntime(ctr);
    const net = await setupNetwork(ctx, record);
    network = net.state;
    writeRunEtcFiles(record, net);
    if (!isMounted(layout.rootfs)) {
      const image = await ctx.images.resolveImage(extra.imageId);
      await mountOverlay({ lowerDirs: [...image.layerDirs].reverse(), upperDir: layout.upper, workDir: layout.work, target: layout.rootfs });
    }
    const mounts = await resolveStartMounts(ctx, extra.mounts, layout.rootfs, join(record.dir, 'pins'));
    pinned = mounts;
    mountedVolumes = mounts.mountedVolumes;
    const spec = buildOciSpec({
      id: config.id,
      spec: { ...config.spec, hostname: extra.hostname },
      image: extra.imageConfig,
      rootfs: layout.rootfs,
      hostsFile: layout.hosts,
      hostnameFile: layout.hostname,
      resolvConfFile: layout.resolvConf,
      resolvedMounts: [...mounts.resolved, ...writeContainerFiles(layout.files, config.spec.files)],
      namespaces: resolveNamespaces(ctx, config.spec),
      devices: resolveDevices(config.spec),
      blockIO: resolveBlockIO(config.spec.blkio, detectCgroupVersion()),
      netns: net.netns,
      cgroupsPath: ctr.cgroupsPath,
      hostRlimits: readHostRlimits(),
      cgroupVersion: detectCgroupVersion(),
      initPath: config.spec.init ? findInitBinary() : undefined,
      appArmorDefault: await ensureDefaultAppArmorProfile(),
      hostCapabilities: hostCapabilities(),
    });
    // Docker's StdinOnce: only `run -i` closes the container's input when its client ends it.
    const pid = await ctr.create(layout.bundle, spec, { stdin: config.spec.stdinOpen, leaveStdinOpen: !config.spec.stdinOnce });
    await releasePinned(mounts);
    await beforeStart?.();
    await ctr.start();
    await updateState(ctx.root, config.id, (s) => ({
      ...s, status: 'running', running: true, paused: false, restarting: false, pid, exitCode: 0, error: undefined,
      startedAt: new Date().toISOString(), extra: { ...s.extra, mountedVolumes, network },
      health: recordHealthcheck(record) ? startingHealth(s.health) : s.health,
    }));
  } catch (error) {
    await releasePinned(pinned).catch(() => undefined);
    await resetRuntime(ctr).catch(() => undefined);
    await releaseMounts(ctx, { ...record, state: { ...record.state, extra: { ...record.state.extra, mountedVolumes, network } } }).catch(() => undefined);
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

/** /etc/hosts gets the container's own address; resolv.conf our resolver on its gateway; `container:<x>` shares x's files. */
function writeRunEtcFiles(record: ContainerRecord, net: RunNetwork): void {
  const l = containerLayout(record.dir);
  if (net.peer) {
    const p = containerLayout(net.peer.dir);
    copyFileSync(p.hosts, l.hosts);
    copyFileSync(p.resolvConf, l.resolvConf);
    return;
  }
  const { spec } = record.config;
  if (net.ip) writeFileSync(l.hosts, buildHostsFile({ hostname: configExtra(record.config.extra).hostname, domainname: spec.domainname, extraHosts: spec.extraHosts, ip: net.ip }), { mode: 0o644 });
  if (net.resolver) writeFileSync(l.resolvConf, buildNetworkResolvConf({ host: readHostResolvConf(), resolver: net.resolver, dnsSearch: spec.dnsSearch, dnsOptions: spec.dnsOptions }), { mode: 0o644 });
}
