// The OCI process of an `exec`: the container's own process (capabilities,
// rlimits, env) with the exec's command, user, cwd, env and tty, as Docker and
// Podman derive it.
import type { ExecSpec } from '../../../engine/types.js';
import { capabilitySets, hostCapabilities } from './capabilities.js';
import type { OciProcess, OciSpec } from './oci-types.js';
import { readUserDb, resolveUser, type UserDb } from './user.js';

export function buildExecProcess(container: OciSpec, exec: ExecSpec, userDb?: UserDb, allCapabilities: readonly string[] = hostCapabilities()): OciProcess {
  const base = container.process;
  const env = new Map(base.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const));
  if (exec.tty) env.set('TERM', 'xterm');
  for (const [k, v] of Object.entries(exec.env ?? {})) env.set(k, v);
  let user = base.user;
  if (exec.user) {
    const u = resolveUser(exec.user, userDb ?? readUserDb(container.root.path));
    user = { uid: u.uid, gid: u.gid, ...(u.additionalGids.length ? { additionalGids: u.additionalGids } : {}) };
  }
  // The container's bounding set is its capability set (root's); an exec user gets it by its own uid.
  const bounding = exec.privileged ? allCapabilities : base.capabilities?.bounding;
  const caps = bounding ? capabilitySets(bounding, user.uid) : undefined;
  return {
    ...base,
    terminal: exec.tty === true,
    args: exec.cmd,
    env: [...env].map(([k, v]) => `${k}=${v}`),
    cwd: exec.workingDir || base.cwd,
    user,
    ...(caps ? { capabilities: caps } : {}),
  };
}
