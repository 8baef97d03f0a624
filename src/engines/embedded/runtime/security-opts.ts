// `security_opt` as Docker reads it (moby daemon/create parseSecurityOpt):
// `key=value` or the legacy `key:value`. Every option is applied or refused
// with a reason; none is dropped.
import { TscError } from '../../../util/errors.js';
import { parseSeccompProfile, type DockerSeccompProfile } from './seccomp.js';

export interface SecurityOptions {
  /** 'default': Docker's profile; 'unconfined': none; else a user's profile. */
  seccomp: 'default' | 'unconfined' | DockerSeccompProfile;
  noNewPrivileges: boolean;
  /** undefined: the engine's default (docker-default where the host has AppArmor). */
  apparmor?: string;
  /** `systempaths=unconfined`: no masked or read-only /proc and /sys paths. */
  unmaskSystemPaths: boolean;
}

function refuse(opt: string, why: string): never {
  throw new TscError('INVALID_SECURITY_OPT', `security_opt "${opt}": ${why}`);
}

function parseBool(opt: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return refuse(opt, 'the value must be true or false');
}

export function parseSecurityOpts(opts: readonly string[] | undefined): SecurityOptions {
  const out: SecurityOptions = { seccomp: 'default', noNewPrivileges: false, unmaskSystemPaths: false };
  for (const raw of opts ?? []) {
    const opt = raw.trim();
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    const m = /^([a-z-]+)[=:]([\s\S]*)$/.exec(opt);
    if (!m) refuse(opt, 'expected key=value (seccomp, apparmor, label, no-new-privileges or systempaths)');
    const [, key, value] = m as unknown as [string, string, string];
    switch (key) {
      case 'no-new-privileges':
        out.noNewPrivileges = parseBool(opt, value);
        break;
      case 'seccomp':
        if (value === 'unconfined') out.seccomp = 'unconfined';
        else if (value === 'builtin' || value === 'default') out.seccomp = 'default';
        else if (value.trimStart().startsWith('{')) out.seccomp = parseSeccompProfile(value, 'security_opt seccomp');
        else refuse(opt, 'the profile was not read: give a JSON file path in a Compose file (read relative to the project directory), or unconfined');
        break;
      case 'apparmor':
        if (!value) refuse(opt, 'name an AppArmor profile, or unconfined');
        out.apparmor = value;
        break;
      case 'systempaths':
        if (value !== 'unconfined') refuse(opt, 'the only value is unconfined');
        out.unmaskSystemPaths = true;
        break;
      case 'label':
        // Without SELinux there is nothing to label; `disable` asks for exactly that.
        if (value !== 'disable') refuse(opt, 'SELinux labels are not supported by the embedded engine (only label=disable); use --engine docker on an SELinux host');
        break;
      default:
        refuse(opt, `unknown option "${key}" (known: seccomp, apparmor, label, no-new-privileges, systempaths)`);
    }
  }
  return out;
}
