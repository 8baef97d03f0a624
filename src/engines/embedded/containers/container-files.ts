// Secrets and configs of a container (ContainerSpec.files): written at each
// start into the container's own directory with their mode and owner, then
// bind-mounted read-only at their targets. A `file:` source is the user's
// (trusted) host file, read as Docker Compose reads it.
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerFileSpec } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import type { ResolvedMount } from '../runtime/oci-spec.js';

export function writeContainerFiles(dir: string, files: ContainerFileSpec[] | undefined): ResolvedMount[] {
  rmSync(dir, { recursive: true, force: true });
  if (!files?.length) return [];
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return files.map((f, i) => {
    const path = join(dir, String(i));
    let data: Buffer;
    try {
      data = f.source !== undefined ? readFileSync(f.source) : Buffer.from(f.content ?? '', 'base64');
    } catch (error) {
      throw new TscError('FILE_NOT_FOUND', `cannot read ${f.source} for ${f.target}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`);
    }
    writeFileSync(path, data, { mode: 0o600 });
    chownSync(path, f.uid, f.gid);
    chmodSync(path, f.mode & 0o7777);
    return { target: f.target, source: path, type: 'bind' as const, options: ['rbind', 'ro', 'rprivate'] };
  });
}
