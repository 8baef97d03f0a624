// `RUN --mount=...` options: cache (a directory kept under the state root),
// bind (from the context, a stage or an image; read-only), tmpfs, and secret
// (a host file given by the build's `secrets`). ssh is refused.
import { TscError } from '../../../util/errors.js';

export type RunMount =
  | { type: 'cache'; target: string; id: string; readOnly: boolean }
  | { type: 'bind'; target: string; source: string; from?: string; readWrite: boolean }
  | { type: 'tmpfs'; target: string; size?: number }
  | { type: 'secret'; id: string; target: string; required: boolean; mode?: number };

export function parseRunMount(text: string): RunMount {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const k = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    fields.set(k === 'dst' || k === 'destination' ? 'target' : k === 'src' ? 'source' : k, eq < 0 ? 'true' : part.slice(eq + 1).trim());
  }
  const type = fields.get('type') ?? 'bind';
  const target = fields.get('target');
  const bool = (k: string) => ['true', '1'].includes(fields.get(k) ?? 'false');
  const needTarget = () => {
    if (!target) throw new TscError('BUILD_MOUNT_INVALID', `--mount=${text}: a ${type} mount needs target=`);
    return target;
  };
  switch (type) {
    case 'cache':
      return { type, target: needTarget(), id: fields.get('id') ?? target!, readOnly: bool('ro') || bool('readonly') };
    case 'bind':
      if (bool('rw') || bool('readwrite')) throw new TscError('BUILD_MOUNT_INVALID', `--mount=${text}: read-write bind mounts are not supported by the embedded builder; copy the files in, or use type=cache`);
      return { type, target: needTarget(), source: fields.get('source') ?? '/', from: fields.get('from'), readWrite: false };
    case 'tmpfs':
      return { type, target: needTarget(), size: fields.has('size') ? Number(fields.get('size')) : undefined };
    case 'secret': {
      const id = fields.get('id') ?? (target ? target.split('/').pop()! : undefined);
      if (!id) throw new TscError('BUILD_MOUNT_INVALID', `--mount=${text}: a secret mount needs id= or target=`);
      return { type, id, target: target ?? `/run/secrets/${id}`, required: bool('required'), mode: fields.has('mode') ? parseInt(fields.get('mode')!, 8) : undefined };
    }
    case 'ssh':
      throw new TscError('BUILD_SSH_UNSUPPORTED', 'RUN --mount=type=ssh is not supported by the embedded builder (no SSH agent forwarding); fetch private sources before the build, or use --engine docker');
    default:
      throw new TscError('BUILD_MOUNT_INVALID', `--mount=${text}: unknown mount type "${type}" (cache, bind, tmpfs or secret)`);
  }
}
