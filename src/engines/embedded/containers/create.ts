// `create`: a record with the immutable spec and what was resolved from the
// image, the container's directory (overlay upper/work, rootfs mount point,
// bundle, hosts/hostname/resolv.conf) and the volumes it needs. Anything made
// is undone when a later step fails.
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join, posix } from 'node:path';
import { resolveBlockIO } from '../runtime/block-io.js';
import { detectCgroupVersion } from '../runtime/cgroups.js';
import { resolveDevices } from '../runtime/devices.js';
import type { ContainerSpec, MountSpec } from '../../../engine/types.js';
import { writeJsonAtomic } from '../../../util/atomic-file.js';
import { TscError } from '../../../util/errors.js';
import type { ResolvedImage } from '../images/store.js';
import { resolveProcessArgs } from '../runtime/process-args.js';
import { appArmorEnabled, appArmorUnavailable } from '../runtime/apparmor.js';
import { parseSecurityOpts } from '../runtime/security-opts.js';
import { atUnfinishedExit, commitRecord, createRecord, findRecord, noSuchContainer, removeRecord, type ContainerRecord } from '../state/containers.js';
import { generateId } from '../state/ids.js';
import { clearMadeVolumes, writeMadeVolumes } from '../state/made-volumes.js';
import type { ContainerContext } from './context.js';
import { buildHostnameFile, buildHostsFile, buildResolvConf, readHostHosts, readHostResolvConf } from './etc-files.js';
import { configExtra, containerLayout, type ContainerConfigExtra, type EffectiveMount } from './layout.js';
import { checkBindSource } from './start-mounts.js';
import { volumeUsers } from './volume-users.js';

export async function createContainer(ctx: ContainerContext, spec: ContainerSpec): Promise<string> {
  const image = await ctx.images.resolveImage(spec.image);
  const processArgs = resolveProcessArgs(spec.entrypoint, spec.command, image.config);
  checkMountTargets(spec.mounts ?? []);
  checkSecurity(spec);
  // Devices and block I/O the host cannot give are refused before anything is made (start reads them again).
  resolveDevices(spec);
  resolveBlockIO(spec.blkio, detectCgroupVersion());
  const peer = networkPeer(ctx, spec.networkMode);
  const record = await createRecord(ctx.root, { spec, extra: {} });
  const madeVolumes: string[] = [];
  try {
    const { mounts, anonymousVolumes } = await resolveCreateMounts(ctx, record.config.id, spec, image, madeVolumes);
    const hostname = spec.hostname || (peer ? configExtra(peer.config.extra).hostname : spec.networkMode === 'host' ? osHostname() : record.config.id.slice(0, 12));
    const extra: ContainerConfigExtra = {
      imageId: image.id, imageConfig: image.config, hostname,
      path: processArgs[0]!, args: processArgs.slice(1), mounts, anonymousVolumes,
    };
    writeJsonAtomic(join(record.dir, 'config.json'), { ...record.config, extra });
    writeEtcFiles(record, spec, hostname, peer);
    await commitRecord(ctx.root, record.config.id);
    clearMadeVolumes(record.dir);
    return record.config.id;
  } catch (error) {
    // The volumes first: a command killed in between leaves the record, whose repair removes its anonymous ones.
    for (const name of madeVolumes) await ctx.volumes.remove(name, { force: true, unmade: record.config.id }).catch(() => undefined);
    removeRecord(ctx.root, record.config.id);
    throw error;
  }
}

/** What start would refuse, refused before anything is made. */
function checkSecurity(spec: ContainerSpec): void {
  const opts = parseSecurityOpts(spec.securityOpt);
  if (opts.apparmor !== undefined && opts.apparmor !== 'unconfined' && !appArmorEnabled()) {
    throw appArmorUnavailable(opts.apparmor);
  }
  if (spec.usernsMode && spec.usernsMode !== 'host') {
    throw new TscError('UNSUPPORTED_USERNS', `userns_mode "${spec.usernsMode}" is not supported by the embedded engine: containers share the host's user namespace (only "host" is accepted); use --engine docker with a userns-remap daemon`);
  }
}

function checkMountTargets(mounts: MountSpec[]): void {
  const seen = new Set<string>();
  for (const m of mounts) {
    if (!m.target.startsWith('/')) throw new TscError('INVALID_MOUNT', `invalid mount config: mount path must be absolute: ${m.target}`);
    const target = posix.normalize(m.target);
    if (seen.has(target)) throw new TscError('INVALID_MOUNT', `Duplicate mount point: ${target}`);
    seen.add(target);
  }
}

/** `network_mode: container:<x>` shares x's hostname and /etc files. */
function networkPeer(ctx: ContainerContext, mode: string | undefined): ContainerRecord | undefined {
  if (!mode?.startsWith('container:')) return undefined;
  const ref = mode.slice('container:'.length);
  const peer = findRecord(ctx.root, ref);
  if (!peer) throw noSuchContainer(ref);
  return peer;
}

/**
 * The spec's mounts (missing named volumes created, anonymous ones made),
 * then `volumes_from`, then an anonymous volume for each image VOLUME that no
 * mount covers, as Docker does.
 */
async function resolveCreateMounts(ctx: ContainerContext, id: string, spec: ContainerSpec, image: ResolvedImage, made: string[]) {
  const mounts: EffectiveMount[] = [];
  const anonymousVolumes: string[] = [];
  const listed: string[] = [];
  const anonymous = async () => {
    const name = generateId();
    // Named in the record before it exists: a command killed from here on leaves it to the repair of the half-made record.
    listed.push(name);
    writeMadeVolumes(ctx.root.container(id), listed);
    const v = await ctx.volumes.create({ name: '' }, { anonymousName: name });
    made.push(v.name);
    anonymousVolumes.push(v.name);
    // A second Ctrl-C exits before createContainer's undo runs: the exit hook that takes the record takes the volume too.
    atUnfinishedExit(ctx.root, id, () => {
      if (volumeUsers(ctx.root, v.name).length === 0) ctx.volumes.removeAtExit(v.name);
    });
    return v.name;
  };
  for (const m of spec.mounts ?? []) {
    const target = posix.normalize(m.target);
    if (m.type === 'volume') {
      let source = m.source;
      const existing = source ? await ctx.volumes.inspect(source) : undefined;
      if (!source) source = await anonymous();
      else if (!existing) {
        await ctx.volumes.create({ name: source, labels: m.volume?.labels });
        made.push(source);
      } else if (m.inherited && ctx.volumes.isAnonymous(existing)) {
        // Carried over from the container this one replaces: it is this one's now (not made: a failed create keeps it).
        anonymousVolumes.push(source);
      }
      mounts.push({ ...m, target, source });
    } else if (m.type === 'bind') {
      if (!m.source?.startsWith('/')) throw new TscError('INVALID_MOUNT', `invalid mount config for type "bind": invalid mount path: '${m.source ?? ''}' mount path must be absolute`);
      const bind = { ...m, target, source: posix.normalize(m.source) };
      checkBindSource(bind);
      mounts.push(bind);
    } else {
      mounts.push({ ...m, target, source: '' });
    }
  }
  const taken = new Set(mounts.map((m) => m.target));
  for (const item of spec.volumesFrom ?? []) {
    const [ref, mode] = splitVolumesFrom(item);
    const from = findRecord(ctx.root, ref);
    if (!from) throw noSuchContainer(ref);
    for (const m of configExtra(from.config.extra).mounts ?? []) {
      if (m.type === 'tmpfs' || taken.has(m.target)) continue;
      taken.add(m.target);
      mounts.push({ ...m, readOnly: mode === undefined ? m.readOnly : mode === 'ro' });
    }
  }
  for (const path of Object.keys(image.config.Volumes ?? {})) {
    const target = posix.normalize(path);
    if (taken.has(target)) continue;
    taken.add(target);
    mounts.push({ type: 'volume', source: await anonymous(), target });
  }
  return { mounts, anonymousVolumes };
}

function splitVolumesFrom(item: string): [string, 'ro' | 'rw' | undefined] {
  const m = /^(.*):(ro|rw|z|Z)$/.exec(item);
  if (!m) return [item, undefined];
  return [m[1]!, m[2] === 'ro' ? 'ro' : m[2] === 'rw' ? 'rw' : undefined];
}

function writeEtcFiles(record: ContainerRecord, spec: ContainerSpec, hostname: string, peer: ContainerRecord | undefined): void {
  const l = containerLayout(record.dir);
  for (const d of [l.upper, l.work, l.rootfs, l.bundle]) mkdirSync(d, { recursive: true, mode: 0o700 });
  // The upper directory's mode is the mode of the container's `/`: 0755 as Docker's, so that
  // non-root users can walk it (the container directory around it stays 0700 on the host).
  chmodSync(l.upper, 0o755);
  if (peer) {
    const p = containerLayout(peer.dir);
    copyFileSync(p.hosts, l.hosts);
    copyFileSync(p.hostname, l.hostname);
    copyFileSync(p.resolvConf, l.resolvConf);
    return;
  }
  const hostNetwork = spec.networkMode === 'host';
  const hosts = hostNetwork
    ? readHostHosts() + (spec.extraHosts ?? []).map((h) => `${h.ip}\t${h.host}\n`).join('')
    : buildHostsFile({ hostname, domainname: spec.domainname, extraHosts: spec.extraHosts });
  writeFileSync(l.hosts, hosts, { mode: 0o644 });
  writeFileSync(l.hostname, buildHostnameFile(hostname), { mode: 0o644 });
  writeFileSync(l.resolvConf, buildResolvConf({ host: readHostResolvConf(), dns: spec.dns, dnsSearch: spec.dnsSearch, dnsOptions: spec.dnsOptions, hostNetwork }), { mode: 0o644 });
}

/**
 * The repair of a record whose create was killed (state/repair): removes the
 * anonymous volumes the create listed as made (state/made-volumes), unless
 * another container uses one. Returns those removed.
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
      // In use by another container, or mounted: left for `volume rm` / `volume prune`.
    }
  }
  return removed;
}
