// The confinement part of a container's OCI spec, as Docker sets it: the
// capability sets by user, seccomp, AppArmor, no_new_privs and the masked
// and read-only system paths; `privileged` lifts them all.
import { appArmorUnavailable } from './apparmor.js';
import { capabilitySets } from './capabilities.js';
import { MASKED_PATHS, READONLY_PATHS } from './oci-defaults.js';
import type { OciCapabilities, OciSeccomp } from './oci-types.js';
import { defaultSeccompProfile, toOciSeccomp, type SeccompHost } from './seccomp.js';
import { parseSecurityOpts } from './security-opts.js';

export interface ConfinementInput {
  securityOpt?: string[];
  privileged: boolean;
  /** The container's capability set (cap_add/cap_drop applied). */
  caps: string[];
  uid: number;
  /** The host's default AppArmor profile, loaded; undefined when the host has no AppArmor. */
  appArmorDefault?: string;
  seccompHost?: SeccompHost;
}

export interface Confinement {
  capabilities: OciCapabilities;
  noNewPrivileges: boolean;
  apparmorProfile?: string;
  seccomp?: OciSeccomp;
  maskedPaths: string[];
  readonlyPaths: string[];
}

export function buildConfinement(input: ConfinementInput): Confinement {
  const opts = parseSecurityOpts(input.securityOpt);
  const apparmor = appArmorProfile(opts.apparmor, input.privileged, input.appArmorDefault);
  const profile = input.privileged || opts.seccomp === 'unconfined' ? undefined : opts.seccomp === 'default' ? defaultSeccompProfile() : opts.seccomp;
  const confinedPaths = !input.privileged && !opts.unmaskSystemPaths;
  return {
    capabilities: capabilitySets(input.caps, input.uid),
    noNewPrivileges: opts.noNewPrivileges,
    ...(apparmor ? { apparmorProfile: apparmor } : {}),
    ...(profile ? { seccomp: toOciSeccomp(profile, input.caps, input.seccompHost) } : {}),
    maskedPaths: confinedPaths ? [...MASKED_PATHS] : [],
    readonlyPaths: confinedPaths ? [...READONLY_PATHS] : [],
  };
}

/** moby: no profile for a privileged container; the default one unless named; none without AppArmor on the host. */
function appArmorProfile(named: string | undefined, privileged: boolean, hostDefault: string | undefined): string | undefined {
  if (named === 'unconfined') return undefined;
  if (named !== undefined) {
    if (hostDefault === undefined) {
      throw appArmorUnavailable(named);
    }
    return named;
  }
  return privileged ? undefined : hostDefault;
}
