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
import { commitRecord, createRecord, findRecord, noSuchContainer, removeRecord, type ContainerRecord } from '../state/containers.js';
import { clearMadeVolumes } from '../state/made-volumes.js';
import { makeAnonymousVolumes } from './anonymous-volumes.js';
import type { ContainerContext } from './context.js';
import { buildHostnameFile, buildHostsFile, buildResolvConf, readHostHosts, readHostResolvConf } from './etc-files.js';
import { configExtra, containerLayout, type ContainerConfigExtra, type EffectiveMount } from './layout.js';
import { checkBindSource } from './start-mounts.js';

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
 * The spec's mounts (missing named volumes created), then `volumes_from`,
 * then an anonymous volume for each image VOLUME that no mount covers, as
 * Docker does. The new anonymous volumes are made last, all named at once
 * (containers/anonymous-volumes).
 */
async function resolveCreateMounts(ctx: ContainerContext, id: string, spec: ContainerSpec, image: ResolvedImage, made: string[]) {
  const mounts: EffectiveMount[] = [];
  // The container's anonymous volumes: new ones (named once all are known), and those carried over.
  const fresh: EffectiveMount[] = [];
  const anonymous = new Set<EffectiveMount>();
  const addNew = (mount: EffectiveMount) => {
    fresh.push(mount);
    anonymous.add(mount);
    mounts.push(mount);
  };
  for (const m of spec.mounts ?? []) {
    const target = posix.normalize(m.target);
    if (m.type === 'volume') {
      const source = m.source;
      if (!source) {
        addNew({ ...m, target, source: '' });
        continue;
      }
      const existing = await ctx.volumes.inspect(source);
      const mount = { ...m, target, source };
      if (!existing) {
        await ctx.volumes.create({ name: source, labels: m.volume?.labels });
        made.push(source);
      } else if (m.inherited && ctx.volumes.isAnonymous(existing)) {
        // Carried over from the container this one replaces: it is this one's now (not made: a failed create keeps it).
        anonymous.add(mount);
      }
      mounts.push(mount);
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
    addNew({ type: 'volume', source: '', target });
  }
  await makeAnonymousVolumes(ctx, id, fresh, made);
  return { mounts, anonymousVolumes: mounts.filter((m) => anonymous.has(m)).map((m) => m.source) };
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
