// AppArmor as Docker uses it: where the host kernel has AppArmor enabled,
// containers run under a profile equivalent to `docker-default`, loaded on
// first use; where it has none, no profile is applied or claimed.
import { existsSync, readFileSync } from 'node:fs';
import { execFile } from '../../../util/exec.js';
import { TscError } from '../../../util/errors.js';
import { findInPath } from '../../../util/find-in-path.js';

export const DEFAULT_APPARMOR_PROFILE = 'tscompose-default';

const ENABLED_FILE = '/sys/module/apparmor/parameters/enabled';
const PROFILES_FILE = '/sys/kernel/security/apparmor/profiles';

export function appArmorEnabled(): boolean {
  try {
    return readFileSync(ENABLED_FILE, 'utf8').trim() === 'Y';
  } catch {
    return false;
  }
}

export function appArmorUnavailable(named: string): TscError {
  return new TscError('APPARMOR_UNAVAILABLE', `security_opt "apparmor=${named}": this host's kernel has AppArmor disabled, so no profile can be applied (remove the option, or use apparmor=unconfined)`);
}

function profileLoaded(name: string): boolean {
  try {
    return readFileSync(PROFILES_FILE, 'utf8').split('\n').some((l) => l.startsWith(`${name} (`));
  } catch {
    return false;
  }
}

/** The rules of Docker's `docker-default` profile (moby profiles/apparmor/template.go), under our name. */
export function defaultAppArmorProfileText(name = DEFAULT_APPARMOR_PROFILE): string {
  const tunables = existsSync('/etc/apparmor.d/tunables/global') ? '#include <tunables/global>\n' : '@{PROC}=/proc/\n';
  const base = existsSync('/etc/apparmor.d/abstractions/base') ? '  #include <abstractions/base>\n' : '';
  return `${tunables}
profile ${name} flags=(attach_disconnected,mediate_deleted) {
${base}  network,
  capability,
  file,
  umount,
  signal (receive) peer=unconfined,
  signal (send,receive) peer=${name},

  deny @{PROC}/* w,
  deny @{PROC}/{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9/]*}/** w,
  deny @{PROC}/sys/[^k]** w,
  deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,
  deny @{PROC}/sysrq-trigger rwklx,
  deny @{PROC}/kcore rwklx,

  deny mount,

  deny /sys/[^f]*/** wklx,
  deny /sys/f[^s]*/** wklx,
  deny /sys/fs/[^c]*/** wklx,
  deny /sys/fs/c[^g]*/** wklx,
  deny /sys/fs/cg[^r]*/** wklx,
  deny /sys/firmware/** rwklx,
  deny /sys/devices/virtual/powercap/** rwklx,
  deny /sys/kernel/security/** rwklx,

  ptrace (trace,read,tracedby,readby) peer=${name},
}
`;
}

/** The default profile's name once loaded, or undefined when the host has no AppArmor. */
export async function ensureDefaultAppArmorProfile(): Promise<string | undefined> {
  if (!appArmorEnabled()) return undefined;
  if (profileLoaded(DEFAULT_APPARMOR_PROFILE)) return DEFAULT_APPARMOR_PROFILE;
  if (!findInPath('apparmor_parser')) {
    throw new TscError('APPARMOR_PARSER_MISSING', 'this host has AppArmor enabled, and loading the containers\' default profile needs apparmor_parser: `apt-get install apparmor`');
  }
  await execFile(['apparmor_parser', '-Kr'], { input: defaultAppArmorProfileText() });
  return DEFAULT_APPARMOR_PROFILE;
}
