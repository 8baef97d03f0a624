// `security_opt` and `userns_mode` of a service. `seccomp=FILE` is read here,
// relative to the project directory, and handed to the engine as the profile's
// JSON text, as the Docker CLI sends it to the Engine API.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ServiceConfig } from '../compose/model.js';
import { TscError } from '../util/errors.js';
import type { StackProject } from './stack-project.js';

const SECCOMP = /^seccomp[=:]/;

export function serviceSecurityOpts(stack: StackProject, service: ServiceConfig): string[] | undefined {
  const opts = service.security_opt;
  if (!Array.isArray(opts)) return undefined;
  return opts.map(String).map((opt) => {
    if (!SECCOMP.test(opt)) return opt;
    const value = opt.slice('seccomp='.length);
    if (value === 'unconfined' || value === 'builtin' || value.trimStart().startsWith('{')) return opt;
    const file = resolve(stack.workingDir, value);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new TscError('SECCOMP_PROFILE_UNREADABLE', `service "${service.name}": security_opt "${opt}": cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return `seccomp=${text}`;
  });
}

/** Only the host's user namespace exists for our containers: `host` is what they get; a remap is refused. */
export function serviceUsernsMode(service: ServiceConfig): string | undefined {
  const mode = service.userns_mode;
  if (mode === undefined || mode === '') return undefined;
  return String(mode);
}
