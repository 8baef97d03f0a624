// One RUN step in a real container of the engine: the step's overlay rootfs,
// the OCI config the engine's containers get (buildOciSpec), conmon + runc
// through ContainerRuntime, its output streamed from conmon's log, and
// everything removed after (the container, its cgroups, its files).
//
// Network: 'default' and 'host' share the host's network namespace, as
// buildkitd does without CNI (outbound access, no bridge to set up); 'none'
// gets a namespace with loopback only.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, readdir, rmdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TscError } from '../../../util/errors.js';
import type { ContainerSpec } from '../../../engine/types.js';
import { buildHostnameFile, buildHostsFile, buildResolvConf, readHostHosts, readHostResolvConf } from '../containers/etc-files.js';
import { readLogs } from '../containers/logs.js';
import { detectCgroupVersion } from '../runtime/cgroups.js';
import { ContainerRuntime } from '../runtime/container-runtime.js';
import { buildOciSpec, type ResolvedMount } from '../runtime/oci-spec.js';
import type { RuntimeName } from '../runtime/runc.js';
import { readHostRlimits } from '../runtime/rlimits.js';
import { isPidAlive } from '../images/store.js';

export const BUILD_HOSTNAME = 'buildkitsandbox';
/** RUN containers are `build-<pid>-<random>`: those of a process that is gone are removed by the next build. */
const BUILD_CONTAINER_PREFIX = 'build-';

export async function removeStaleBuildContainers(stateRoot: string, runtime: RuntimeName): Promise<void> {
  const dir = join(stateRoot, 'runtime', 'containers');
  for (const id of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(/^build-(\d+)-/.exec(id)?.[1] ?? NaN);
    if (Number.isNaN(pid) || isPidAlive(pid)) continue;
    await new ContainerRuntime({ stateRoot, id, runtime }).delete({ force: true }).catch(() => undefined);
  }
}

export interface RunStepOptions {
  stateRoot: string;
  runtime: RuntimeName;
  /** The workspace directory (for the bundle and /etc files) and its mounted rootfs. */
  dir: string;
  rootfs: string;
  argv: string[];
  env: Record<string, string>;
  imageEnv: string[];
  user?: string;
  workdir: string;
  network: 'default' | 'host' | 'none';
  extraHosts?: Array<{ host: string; ip: string }>;
  shmSizeBytes?: number;
  mounts: ResolvedMount[];
  onOutput: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Existing directories that hold mount points (see Workspace.pruneIfUnchanged). */
  onCopiedUpDir?: (path: string, before: Stats) => void;
  signal?: AbortSignal;
}

/** Paths runc creates as mount points when the image lacks them: not part of the step's changes. */
const MOUNT_POINTS = ['/proc', '/sys', '/dev', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/etc'];

export async function runStep(opts: RunStepOptions): Promise<number> {
  const id = `${BUILD_CONTAINER_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`;
  const files = { hosts: join(opts.dir, 'hosts'), hostname: join(opts.dir, 'hostname'), resolv: join(opts.dir, 'resolv.conf'), bundle: join(opts.dir, 'bundle') };
  const shareHost = opts.network !== 'none';
  await writeFile(files.hosts, shareHost ? readHostHosts() + (opts.extraHosts ?? []).map((h) => `${h.ip}\t${h.host}\n`).join('') : buildHostsFile({ hostname: BUILD_HOSTNAME, extraHosts: opts.extraHosts }), { mode: 0o644 });
  await writeFile(files.hostname, buildHostnameFile(BUILD_HOSTNAME), { mode: 0o644 });
  await writeFile(files.resolv, buildResolvConf({ host: readHostResolvConf(), hostNetwork: shareHost }), { mode: 0o644 });
  const targets = [...new Set([...MOUNT_POINTS, ...opts.mounts.flatMap((m) => ancestors(m.target))])].sort();
  const missing: string[] = [];
  for (const t of targets) {
    const st = await lstat(join(opts.rootfs, t)).catch(() => undefined);
    if (!st) missing.push(t);
    // Made or emptied again only for mount points, such a directory is copied up unchanged: not a change of the step.
    else if (st.isDirectory()) opts.onCopiedUpDir?.(t, st);
  }

  const spec: ContainerSpec = {
    name: id, image: '', labels: {}, env: opts.env, entrypoint: opts.argv, command: [], user: opts.user, workingDir: opts.workdir,
    hostname: BUILD_HOSTNAME, shmSizeBytes: opts.shmSizeBytes,
  };
  const ctr = new ContainerRuntime({ stateRoot: opts.stateRoot, id, runtime: opts.runtime });
  const oci = buildOciSpec({
    id, spec, image: { Env: opts.imageEnv }, rootfs: opts.rootfs, hostsFile: files.hosts, hostnameFile: files.hostname, resolvConfFile: files.resolv,
    resolvedMounts: opts.mounts, netns: shareHost ? 'host' : undefined, cgroupsPath: ctr.cgroupsPath, hostRlimits: readHostRlimits(), cgroupVersion: detectCgroupVersion(),
  });
  try {
    await ctr.create(files.bundle, oci);
    await ctr.start();
    // Output streams while the step runs; at the exit the follow stops at once
    // (no wait for its next poll) and what it had not read yet is read after.
    const source = { path: ctr.paths.logPath, isRunning: async () => ctr.exitCode() === undefined };
    const stopFollow = new AbortController();
    let shown = 0;
    const follow = (async () => {
      for await (const e of readLogs(source, { follow: true, signal: stopFollow.signal })) {
        shown++;
        opts.onOutput(e.stream, e.line);
      }
    })();
    const onAbort = () => void ctr.runtime.kill(id, 'SIGKILL').catch(() => undefined);
    opts.signal?.addEventListener('abort', onAbort);
    const code = await ctr.wait(Infinity).finally(() => opts.signal?.removeEventListener('abort', onAbort));
    stopFollow.abort();
    await follow;
    let seen = 0;
    for await (const e of readLogs(source, {})) if (++seen > shown) opts.onOutput(e.stream, e.line);
    if (code === undefined) throw new TscError('BUILD_RUN_FAILED', 'the RUN container ended without an exit code');
    return code;
  } finally {
    await ctr.delete({ force: true }).catch(() => undefined);
    // Deepest first: /etc/hosts before /etc.
    for (const t of missing.reverse()) await removeIfEmptyMountPoint(join(opts.rootfs, t));
  }
}

/** `/run/secrets/x` → `/run`, `/run/secrets`, `/run/secrets/x`. */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

async function removeIfEmptyMountPoint(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (st.isDirectory()) await rmdir(path).catch(() => undefined);
  else if (st.isFile() && st.size === 0) await unlink(path).catch(() => undefined);
}
