// Choosing one manifest of an index (manifest list) for a platform, as
// containerd's default matcher does: same OS and architecture, the variant
// when one is asked (arm64 means v8 unless it says otherwise).
import { TscError } from '../../../util/errors.js';
import { goArch, type Descriptor, type Platform } from '../images/oci.js';

/** `linux/arm64/v8`, `linux/amd64`, `arm64` → a platform; undefined → this host's. */
export function parsePlatform(text?: string): Platform {
  if (!text) return hostPlatform();
  const parts = text.toLowerCase().split('/');
  if (parts.length > 3 || parts.some((p) => !p)) {
    throw new TscError('PLATFORM_INVALID', `invalid platform "${text}": use OS/ARCH[/VARIANT], e.g. linux/arm64`);
  }
  // `arm/v7` is ARCH/VARIANT; `linux/arm` OS/ARCH (containerd's platforms.Parse).
  const [os, arch, variant] = parts.length === 1 ? ['linux', parts[0]!, undefined]
    : parts.length === 2 && !KNOWN_OS.includes(parts[0]!) ? ['linux', parts[0]!, parts[1]] : parts;
  return normalizePlatform({ os: os!, architecture: normalizeArch(arch!), ...(variant ? { variant } : {}) });
}

const KNOWN_OS = ['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'android', 'ios', 'plan9', 'js', 'wasip1'];

export function hostPlatform(): Platform {
  const architecture = goArch();
  if (architecture === 'arm') return { os: 'linux', architecture, variant: `v${String((process.config.variables as Record<string, unknown>).arm_version ?? '7')}` };
  return { os: 'linux', architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function normalizeArch(arch: string): string {
  const aliases: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386' };
  return aliases[arch] ?? arch;
}

function normalizePlatform(p: Platform): Platform {
  if (p.architecture === 'arm64' && p.variant === 'v8') return { os: p.os, architecture: p.architecture };
  return p;
}

function matches(want: Platform, have: Platform): boolean {
  const h = normalizePlatform({ os: have.os, architecture: normalizeArch(have.architecture), ...(have.variant ? { variant: have.variant } : {}) });
  if (h.os !== want.os || h.architecture !== want.architecture) return false;
  return !want.variant || !h.variant || h.variant === want.variant;
}

/** The index entry for `want`, or an error that lists what the index offers. */
export function selectManifest(manifests: Descriptor[], want: Platform, name: string): Descriptor {
  // Attestations (buildx) are manifests for unknown/unknown.
  const images = manifests.filter((m) => !m.platform || m.platform.os !== 'unknown');
  const exact = images.filter((m) => m.platform && matches(want, m.platform));
  const best = exact.find((m) => (m.platform!.variant ?? '') === (want.variant ?? '')) ?? exact[0];
  if (best) return best;
  const offered = [...new Set(images.filter((m) => m.platform).map((m) => formatPlatform(m.platform!)))];
  throw new TscError('PLATFORM_NOT_FOUND', `no matching manifest for ${formatPlatform(want)} in the manifest list entries of ${name}: it offers ${offered.join(', ') || 'no platform'} (set \`platform:\` on the service to choose one)`);
}
