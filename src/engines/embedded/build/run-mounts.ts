// `RUN --mount=...` options: cache (a directory kept under the state root),
// bind (from the context, a stage or an image; read-only), tmpfs, and secret
// (a host file given by the build's `secrets`). ssh is refused, and so is any
// option the embedded builder would not honour.
import { TscError } from '../../../util/errors.js';

export interface MountOwner {
  uid?: number;
  gid?: number;
  mode?: number;
}

export type RunMount =
  | { type: 'cache'; target: string; id: string; readOnly: boolean; owner: MountOwner }
  | { type: 'bind'; target: string; source: string; from?: string }
  | { type: 'tmpfs'; target: string; size?: number }
  | { type: 'secret'; id: string; target: string; required: boolean; owner: MountOwner };

const KEYS: Record<string, string[]> = {
  cache: ['type', 'target', 'id', 'ro', 'readonly', 'rw', 'readwrite', 'sharing', 'mode', 'uid', 'gid'],
  bind: ['type', 'target', 'source', 'from', 'ro', 'readonly', 'rw', 'readwrite'],
  tmpfs: ['type', 'target', 'size'],
  secret: ['type', 'target', 'id', 'required', 'mode', 'uid', 'gid'],
};

export function parseRunMount(text: string): RunMount {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const k = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    fields.set(k === 'dst' || k === 'destination' ? 'target' : k === 'src' ? 'source' : k, eq < 0 ? 'true' : part.slice(eq + 1).trim());
  }
  const type = fields.get('type') ?? 'bind';
  const fail = (why: string): never => {
    throw new TscError('BUILD_MOUNT_INVALID', `--mount=${text}: ${why}`);
  };
  if (type === 'ssh') throw new TscError('BUILD_SSH_UNSUPPORTED', 'RUN --mount=type=ssh is not supported by the embedded builder (no SSH agent forwarding); fetch private sources before the build, or use --engine docker');
  const known = KEYS[type];
  if (!known) return fail(`unknown mount type "${type}" (cache, bind, tmpfs or secret)`);
  for (const k of fields.keys()) if (!known.includes(k)) fail(`option "${k}" is not supported for a ${type} mount by the embedded builder`);
  const target = fields.get('target');
  const bool = (k: string) => ['true', '1'].includes(fields.get(k) ?? 'false');
  const num = (k: string, radix = 10) => {
    if (!fields.has(k)) return undefined;
    const n = parseInt(fields.get(k)!, radix);
    return Number.isInteger(n) && n >= 0 ? n : fail(`${k}=${fields.get(k)} is not a valid number`);
  };
  const owner = (): MountOwner => ({ uid: num('uid'), gid: num('gid'), mode: num('mode', 8) });
  const needTarget = () => target ?? fail(`a ${type} mount needs target=`);
  switch (type) {
    case 'cache': {
      // `sharing=locked|private` would serialize or separate concurrent users; the directory is shared.
      const sharing = fields.get('sharing') ?? 'shared';
      if (sharing !== 'shared') fail(`sharing=${sharing} is not supported by the embedded builder (cache mounts are shared)`);
      return { type, target: needTarget(), id: fields.get('id') ?? target!, readOnly: bool('ro') || bool('readonly'), owner: owner() };
    }
    case 'bind':
      if (bool('rw') || bool('readwrite')) fail('read-write bind mounts are not supported by the embedded builder; copy the files in, or use type=cache');
      return { type, target: needTarget(), source: fields.get('source') ?? '/', from: fields.get('from') };
    case 'tmpfs':
      return { type, target: needTarget(), size: num('size') };
    default: {
      const id = fields.get('id') ?? (target ? target.split('/').pop()! : undefined);
      if (!id) return fail('a secret mount needs id= or target=');
      return { type: 'secret', id, target: target ?? `/run/secrets/${id}`, required: bool('required'), owner: owner() };
    }
  }
}
