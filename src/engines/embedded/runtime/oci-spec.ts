// The OCI runtime config.json of one container, built as Docker builds it
// (moby oci/defaults.go + daemon/oci_linux.go). Pure apart from reading the
// rootfs's passwd/group when no user database is given.
import { hostname as osHostname } from 'node:os';
import type { ContainerSpec, ImageDetails } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import { resolveCapabilities } from './capabilities.js';
import { CONTAINER_INIT_PATH } from './init-binary.js';
import {
  DEFAULT_SHM_SIZE, OCI_VERSION, PRIVILEGED_DEVICE_RULES, UNPRIVILEGED_DEVICE_RULES, defaultMounts, mountDepth,
} from './oci-defaults.js';
import type { OciBlockIO, OciDevice, OciMount, OciNamespace, OciResources, OciSpec } from './oci-types.js';
import { buildEnv, resolveProcessArgs } from './process-args.js';
import { buildRlimits, type HostRlimits } from './rlimits.js';
import type { SeccompHost } from './seccomp.js';
import { buildConfinement } from './security-spec.js';
import { readUserDb, resolveUser, type UserDb } from './user.js';
import type { ResolvedDevices } from './devices.js';

export interface ResolvedMount {
  target: string;
  source: string;
  type: 'bind' | 'tmpfs';
  options: string[];
}

export interface BuildOciSpecInput {
  /** Container id: the default hostname is its first 12 characters. */
  id: string;
  spec: ContainerSpec;
  image: ImageDetails['config'];
  /** Absolute path of the mounted root filesystem. */
  rootfs: string;
  hostsFile: string;
  hostnameFile: string;
  resolvConfFile: string;
  resolvedMounts: ResolvedMount[];
  /** A netns path to join; undefined for a new one; 'host' for the host's. */
  netns?: string;
  /** cgroupfs path, e.g. `/tscompose/<id>`. */
  cgroupsPath: string;
  hostRlimits: HostRlimits;
  cgroupVersion: 1 | 2;
  /** Host path of the init binary (findInitBinary) when spec.init is set. */
  initPath?: string;
  /** The host's devices, given to a privileged container. */
  hostDevices?: OciDevice[];
  /** passwd/group text; read from the rootfs when absent. */
  userDb?: UserDb;
  oomScoreAdj?: number;
  /** The host's loaded default AppArmor profile; undefined where the kernel has no AppArmor. */
  appArmorDefault?: string;
  seccompHost?: SeccompHost;
  /** What `privileged` grants: the engine's own bounding set (hostCapabilities); every capability when absent. */
  hostCapabilities?: string[];
  /** pid/ipc/uts/cgroup namespaces other than new ones (containers/namespaces.ts). */
  namespaces?: NamespaceModes;
  /** `devices` and `device_cgroup_rules`, resolved on the host (devices.ts). */
  devices?: ResolvedDevices;
  /** blkio_config with device numbers (block-io.ts). */
  blockIO?: OciBlockIO;
}

/** 'host': the host's namespace (none created); a path: join it. */
export interface NamespaceModes {
  pid?: string;
  ipc?: string;
  uts?: 'host';
  cgroup?: 'host' | 'private';
}

export function buildOciSpec(input: BuildOciSpecInput): OciSpec {
  const { spec, image } = input;
  const privileged = spec.privileged === true;
  const hostname = spec.hostname || (input.netns === 'host' ? osHostname() : input.id.slice(0, 12));

  let args = resolveProcessArgs(spec.entrypoint, spec.command, image);
  if (spec.init) {
    if (!input.initPath) throw new TscError('INIT_NOT_FOUND', '`init: true` needs an init binary: `apt-get install tini` (provides /usr/bin/tini-static)');
    args = [CONTAINER_INIT_PATH, '--', ...args];
  }
  const user = resolveUser(spec.user ?? image.User, input.userDb ?? readUserDb(input.rootfs), spec.groupAdd);
  const caps = resolveCapabilities({ capAdd: spec.capAdd, capDrop: spec.capDrop, privileged, all: input.hostCapabilities });
  const confinement = buildConfinement({
    securityOpt: spec.securityOpt, privileged, caps, uid: user.uid, appArmorDefault: input.appArmorDefault, seccompHost: input.seccompHost,
  });
  const cwd = spec.workingDir || image.WorkingDir || '/';
  const oomScoreAdj = input.oomScoreAdj ?? spec.oomScoreAdj;
  if (!cwd.startsWith('/')) throw new TscError('INVALID_WORKDIR', `working_dir must be an absolute path, not "${cwd}"`);

  const spec_: OciSpec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: spec.tty === true,
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) },
      args,
      env: buildEnv({ imageEnv: image.Env, env: spec.env, hostname, tty: spec.tty }),
      cwd,
      capabilities: confinement.capabilities,
      rlimits: buildRlimits(spec.ulimits, input.hostRlimits),
      noNewPrivileges: confinement.noNewPrivileges,
      ...(confinement.apparmorProfile ? { apparmorProfile: confinement.apparmorProfile } : {}),
      ...(oomScoreAdj !== undefined ? { oomScoreAdj } : {}),
    },
    root: { path: input.rootfs, readonly: spec.readOnly === true },
    // The host's UTS namespace keeps the host's names.
    ...(input.namespaces?.uts === 'host' ? {} : { hostname, ...(spec.domainname ? { domainname: spec.domainname } : {}) }),
    mounts: buildMounts(input, privileged),
    linux: {
      namespaces: buildNamespaces(input.netns, input.cgroupVersion, input.namespaces),
      cgroupsPath: input.cgroupsPath,
      resources: buildResources(spec, privileged, input),
      ...(spec.sysctls && Object.keys(spec.sysctls).length ? { sysctl: { ...spec.sysctls } } : {}),
      maskedPaths: confinement.maskedPaths,
      readonlyPaths: confinement.readonlyPaths,
      ...(confinement.seccomp ? { seccomp: confinement.seccomp } : {}),
      ...linuxDevices(input, privileged),
    },
    ...(spec.annotations && Object.keys(spec.annotations).length ? { annotations: { ...spec.annotations } } : {}),
  };
  return spec_;
}

/** Docker creates a cgroup namespace by default only on cgroup v2 (`cgroupns=private`); on v1 it shares the host's. */
function buildNamespaces(netns: string | undefined, cgroupVersion: 1 | 2, modes: NamespaceModes = {}): OciNamespace[] {
  const ns: OciNamespace[] = [];
  const add = (type: OciNamespace['type'], mode: string | undefined) => {
    if (mode === undefined) ns.push({ type });
    else if (mode !== 'host') ns.push({ type, path: mode });
  };
  add('pid', modes.pid);
  add('ipc', modes.ipc);
  add('uts', modes.uts);
  ns.push({ type: 'mount' });
  if (netns === undefined) ns.push({ type: 'network' });
  else if (netns !== 'host') ns.push({ type: 'network', path: netns });
  if (modes.cgroup === 'private' || (modes.cgroup === undefined && cgroupVersion === 2)) ns.push({ type: 'cgroup' });
  return ns;
}

/** Device nodes: the host's for a privileged container, plus those `devices` names. */
function linuxDevices(input: BuildOciSpecInput, privileged: boolean): { devices?: OciDevice[] } {
  const devices = [...(privileged ? input.hostDevices ?? [] : []), ...(input.devices?.nodes ?? [])];
  return devices.length > 0 ? { devices } : {};
}

function buildMounts(input: BuildOciSpecInput, privileged: boolean): OciMount[] {
  const user: OciMount[] = [
    { destination: '/etc/resolv.conf', type: 'bind', source: input.resolvConfFile, options: ['rbind', 'rprivate'] },
    { destination: '/etc/hostname', type: 'bind', source: input.hostnameFile, options: ['rbind', 'rprivate'] },
    { destination: '/etc/hosts', type: 'bind', source: input.hostsFile, options: ['rbind', 'rprivate'] },
  ];
  for (const m of input.resolvedMounts) {
    const options = [...m.options];
    if (m.type === 'bind' && !options.includes('bind') && !options.includes('rbind')) options.unshift('rbind');
    // A service mount replaces a default one at the same place (e.g. its own /etc/hosts).
    const same = user.findIndex((u) => u.destination === m.target);
    if (same >= 0) user.splice(same, 1);
    user.push({ destination: m.target, type: m.type, source: m.type === 'tmpfs' ? 'tmpfs' : m.source, options });
  }
  if (input.spec.init && input.initPath) {
    user.push({ destination: CONTAINER_INIT_PATH, type: 'bind', source: input.initPath, options: ['bind', 'ro'] });
  }
  const targets = new Set(user.map((m) => m.destination));
  const overDev = targets.has('/dev');
  const defaults = defaultMounts(input.spec.shmSizeBytes || DEFAULT_SHM_SIZE)
    .filter((m) => !targets.has(m.destination) && !(overDev && m.destination.startsWith('/dev/')))
    .map((m) => (privileged && (m.destination === '/sys' || m.destination === '/sys/fs/cgroup') ? { ...m, options: m.options!.filter((o) => o !== 'ro') } : m));
  // Stable sort: a parent directory is mounted before what is mounted inside it.
  const sorted = user.map((m, i) => ({ m, i })).sort((a, b) => mountDepth(a.m.destination) - mountDepth(b.m.destination) || a.i - b.i).map((x) => x.m);
  return [...defaults, ...sorted];
}

function buildResources(spec: ContainerSpec, privileged: boolean, input: Pick<BuildOciSpecInput, 'devices' | 'cgroupVersion' | 'blockIO'>): OciResources {
  const r = spec.resources ?? {};
  const out: OciResources = {
    devices: privileged ? [...PRIVILEGED_DEVICE_RULES] : [...UNPRIVILEGED_DEVICE_RULES, ...(input.devices?.rules ?? [])],
  };
  // cgroup v2 has no switch for the OOM killer; Docker ignores it there too (key-support.ts warns).
  if (spec.oomKillDisable && input.cgroupVersion === 1) out.memory = { disableOOMKiller: true };
  if (r.memoryBytes || r.memoryReservationBytes || r.memorySwapBytes) {
    out.memory ??= {};
    if (r.memoryBytes) out.memory.limit = r.memoryBytes;
    if (r.memoryReservationBytes) out.memory.reservation = r.memoryReservationBytes;
    // Docker: no memswap given with a memory limit means twice the limit.
    if (r.memorySwapBytes) out.memory.swap = r.memorySwapBytes;
    else if (r.memoryBytes) out.memory.swap = r.memoryBytes * 2;
  }
  if (r.nanoCpus || r.cpuShares || r.cpusetCpus || r.cpuQuota || r.cpuPeriod) {
    out.cpu = {};
    if (r.cpuShares) out.cpu.shares = r.cpuShares;
    if (r.cpuPeriod) out.cpu.period = r.cpuPeriod;
    if (r.cpuQuota) out.cpu.quota = r.cpuQuota;
    if (r.nanoCpus) {
      out.cpu.period = 100000;
      out.cpu.quota = Math.round((r.nanoCpus * 100000) / 1e9);
    }
    if (r.cpusetCpus) out.cpu.cpus = r.cpusetCpus;
  }
  if (r.pidsLimit) out.pids = { limit: r.pidsLimit };
  if (input.blockIO) out.blockIO = input.blockIO;
  return out;
}
