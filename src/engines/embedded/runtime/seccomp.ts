// Seccomp profiles in Docker's JSON format (schemas/seccomp-default.json is
// Docker's default one) turned into the OCI `linux.seccomp` of one container,
// as moby's profiles/seccomp setupSeccomp does: the host's architectures from
// archMap, and each rule kept or left out by its includes/excludes (arches,
// capabilities of the container's bounding set, minimum kernel).
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { TscError } from '../../../util/errors.js';
import { packagePath } from '../../../util/package-files.js';
import type { OciSeccomp, OciSeccompArg, OciSyscall } from './oci-types.js';

interface Filter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

interface DockerSyscall {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: OciSeccompArg[] | null;
  includes?: Filter;
  excludes?: Filter;
}

export interface DockerSeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures: string[] | null }> | null;
  syscalls?: DockerSyscall[] | null;
  flags?: string[];
  listenerPath?: string;
}

export interface SeccompHost {
  /** Go's GOARCH names, as the profile's `arches` use them: amd64, arm64, … */
  arch: string;
  /** `major.minor` of the running kernel. */
  kernel: string;
}

/** Node's process.arch → Go's GOARCH (the names of the profile's `includes.arches`). */
const GOARCH: Record<string, string> = {
  x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64', mips64el: 'mips64le', loong64: 'loong64',
};

/** GOARCH → the libseccomp name of the native architecture, to find its archMap entry. */
const NATIVE_ARCH: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64', arm: 'SCMP_ARCH_ARM', '386': 'SCMP_ARCH_X86', s390x: 'SCMP_ARCH_S390X',
  ppc64le: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64', mips64le: 'SCMP_ARCH_MIPSEL64', loong64: 'SCMP_ARCH_LOONGARCH64',
};

/** moby matches `includes.arches` against GOARCH, and also accepts `x86` for 386 and `x32` for amd64. */
const ARCH_ALIASES: Record<string, string[]> = { '386': ['x86'], amd64: ['x32'] };

export function hostSeccomp(): SeccompHost {
  const m = /^(\d+)\.(\d+)/.exec(release());
  return { arch: GOARCH[process.arch] ?? process.arch, kernel: m ? `${m[1]}.${m[2]}` : '0.0' };
}

let defaultProfile: DockerSeccompProfile | undefined;

export function defaultSeccompProfile(): DockerSeccompProfile {
  defaultProfile ??= JSON.parse(readFileSync(packagePath('schemas/seccomp-default.json'), 'utf8')) as DockerSeccompProfile;
  return defaultProfile;
}

/** A user's profile (the text of the file `seccomp=FILE` named); `what` names it in errors. */
export function parseSeccompProfile(text: string, what: string): DockerSeccompProfile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TscError('SECCOMP_PROFILE_INVALID', `${what}: not a JSON seccomp profile: ${(e as Error).message}`);
  }
  const p = value as DockerSeccompProfile;
  if (!p || typeof p !== 'object' || typeof p.defaultAction !== 'string') {
    throw new TscError('SECCOMP_PROFILE_INVALID', `${what}: a seccomp profile needs "defaultAction" (Docker's profile format)`);
  }
  if (p.architectures?.length && p.archMap?.length) {
    throw new TscError('SECCOMP_PROFILE_INVALID', `${what}: use either "architectures" or "archMap", not both`);
  }
  for (const [i, s] of (p.syscalls ?? []).entries()) {
    if (!s || typeof s.action !== 'string' || (!s.name && !s.names?.length)) {
      throw new TscError('SECCOMP_PROFILE_INVALID', `${what}: syscalls[${i}] needs "names" and "action"`);
    }
    if (s.name && s.names?.length) throw new TscError('SECCOMP_PROFILE_INVALID', `${what}: syscalls[${i}] has both "name" and "names"`);
  }
  return p;
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const [a = 0, b = 0] = kernel.split('.').map(Number);
  const [c = 0, d = 0] = min.split('.').map(Number);
  return a !== c ? a > c : b >= d;
}

function archMatches(arches: string[], arch: string): boolean {
  return arches.includes(arch) || (ARCH_ALIASES[arch] ?? []).some((a) => arches.includes(a));
}

/** Whether a rule applies to this container (moby: includes all must match, any exclude drops it). */
function ruleApplies(s: DockerSyscall, caps: ReadonlySet<string>, host: SeccompHost): boolean {
  const inc = s.includes ?? {};
  const exc = s.excludes ?? {};
  if (inc.arches?.length && !archMatches(inc.arches, host.arch)) return false;
  if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) return false;
  if (inc.minKernel && !kernelAtLeast(host.kernel, inc.minKernel)) return false;
  if (exc.arches?.length && archMatches(exc.arches, host.arch)) return false;
  if (exc.caps?.length && exc.caps.some((c) => caps.has(c))) return false;
  return true;
}

function architectures(p: DockerSeccompProfile, host: SeccompHost): string[] {
  if (p.architectures?.length) return [...p.architectures];
  const native = NATIVE_ARCH[host.arch];
  const entry = (p.archMap ?? []).find((a) => a.architecture === native);
  return entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : [];
}

/** The OCI seccomp of a container whose bounding set is `bounding`. */
export function toOciSeccomp(p: DockerSeccompProfile, bounding: readonly string[], host: SeccompHost = hostSeccomp()): OciSeccomp {
  const caps = new Set(bounding);
  const syscalls: OciSyscall[] = [];
  for (const s of p.syscalls ?? []) {
    if (!ruleApplies(s, caps, host)) continue;
    syscalls.push({
      names: s.names?.length ? [...s.names] : [s.name!],
      action: s.action,
      ...(s.errnoRet !== undefined ? { errnoRet: s.errnoRet } : {}),
      ...(s.args?.length ? { args: s.args.map((a) => ({ index: a.index, value: a.value, ...(a.valueTwo ? { valueTwo: a.valueTwo } : {}), op: a.op })) } : {}),
    });
  }
  const arches = architectures(p, host);
  return {
    defaultAction: p.defaultAction,
    ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}),
    ...(arches.length ? { architectures: arches } : {}),
    ...(p.flags?.length ? { flags: [...p.flags] } : {}),
    syscalls,
  };
}
