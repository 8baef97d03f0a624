// The confinement checks of `system doctor`: seccomp and AppArmor support of
// the host, as the containers will get them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DoctorCheck } from './doctor.js';
import { appArmorEnabled, DEFAULT_APPARMOR_PROFILE } from './runtime/apparmor.js';
import { findInPath } from '../../util/find-in-path.js';
import { readSysctl, recordedHostSysctls, type HostSysctlRecord } from './networks/host-sysctls.js';

export function checkSeccomp(status = readStatus()): DoctorCheck {
  const supported = /^Seccomp:\s*\d/m.test(status);
  return supported
    ? { name: 'seccomp', ok: true, detail: "supported: containers get Docker's default profile unless security_opt says otherwise" }
    : { name: 'seccomp', ok: false, detail: 'this kernel has no seccomp filters (CONFIG_SECCOMP_FILTER): containers would run without Docker\'s syscall filter', fix: 'a kernel built with CONFIG_SECCOMP and CONFIG_SECCOMP_FILTER' };
}

export function checkAppArmor(enabled = appArmorEnabled(), parser = findInPath('apparmor_parser')): DoctorCheck {
  if (!enabled) {
    return { name: 'apparmor', ok: true, optional: true, detail: 'not enabled in this kernel: containers run without an AppArmor profile, as under Docker on such a host (seccomp, capabilities and masked paths still apply)' };
  }
  return parser
    ? { name: 'apparmor', ok: true, detail: `enabled: containers run under ${DEFAULT_APPARMOR_PROFILE} (Docker's docker-default rules), loaded with ${parser}` }
    : { name: 'apparmor', ok: false, detail: `enabled, but apparmor_parser is missing to load ${DEFAULT_APPARMOR_PROFILE}`, fix: 'apt-get install apparmor' };
}

/** What networking changed in the host's kernel settings, from what, and what they are now. */
export function checkHostSysctls(recorded: HostSysctlRecord, now: (key: string) => string | undefined = readSysctl): DoctorCheck {
  const keys = Object.keys(recorded).sort();
  if (keys.length === 0) return { name: 'host sysctls', ok: true, detail: 'none changed by tscompose' };
  const parts = keys.map((k) => {
    const c = recorded[k]!;
    const current = now(k);
    return `${k}: ${c.previous} -> ${c.value} (${c.changed}${current !== undefined && current !== c.value ? `; now ${current}` : ''})`;
  });
  return { name: 'host sysctls', ok: true, detail: `changed by tscompose: ${parts.join('; ')}` };
}

export function checkHostSysctlsOf(stateRoot: string): DoctorCheck {
  return checkHostSysctls(recordedHostSysctls(join(stateRoot, 'network')));
}

function readStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}
