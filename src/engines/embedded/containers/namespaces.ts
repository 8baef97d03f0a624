// pid, ipc, uts and cgroup namespaces of a run: `host` shares the host's,
// `container:<x>` joins x's (x must be running), anything else gets a new one.
import { existsSync } from 'node:fs';
import type { ContainerSpec } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import type { NamespaceModes } from '../runtime/oci-spec.js';
import { findRecord } from '../state/containers.js';
import type { ContainerContext } from './context.js';

export function resolveNamespaces(ctx: ContainerContext, spec: ContainerSpec): NamespaceModes {
  const out: NamespaceModes = {};
  const pid = join(ctx, 'pid', spec.pidMode);
  if (pid) out.pid = pid;
  const ipc = join(ctx, 'ipc', spec.ipcMode);
  if (ipc) out.ipc = ipc;
  if (spec.utsMode === 'host') out.uts = 'host';
  if (spec.cgroupnsMode) out.cgroup = spec.cgroupnsMode;
  return out;
}

function join(ctx: ContainerContext, kind: 'pid' | 'ipc', mode: string | undefined): string | undefined {
  if (mode === 'host') return 'host';
  if (!mode?.startsWith('container:')) return undefined;
  const ref = mode.slice('container:'.length);
  const peer = findRecord(ctx.root, ref);
  const path = peer && peer.state.running && peer.state.pid > 0 ? `/proc/${peer.state.pid}/ns/${kind}` : undefined;
  if (!path || !existsSync(path)) throw new TscError('PEER_NOT_RUNNING', `cannot join ${kind} namespace of a non running container: ${ref}`);
  return path;
}
