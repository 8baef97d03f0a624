// Options of the `local` volume driver, as Docker's: `type`, `o`, `device`
// make the volume a mount (tmpfs, a bind of a host directory, nfs...) done on
// its _data directory when a container uses it.
import { execFile, ProcessError } from '../../../util/exec.js';
import { TscError } from '../../../util/errors.js';
import { isMounted } from '../state/mountinfo.js';

export { isMounted, unescapeMountPath } from '../state/mountinfo.js';

const VALID = new Set(['type', 'o', 'device', 'size']);
/** An option present requires these (moby's mandatoryOpts). */
const REQUIRES: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

export function checkLocalOptions(name: string, opts: Record<string, string>): void {
  for (const key of Object.keys(opts)) {
    if (!VALID.has(key)) throw new TscError('INVALID_VOLUME_OPTION', `volume "${name}": invalid option: "${key}" (the local driver takes type, o and device)`);
  }
  if ('size' in opts) {
    throw new TscError('INVALID_VOLUME_OPTION', `volume "${name}": quota size requested but no quota support: use type=tmpfs with o=size=${opts.size}`);
  }
  for (const [key, needed] of Object.entries(REQUIRES)) {
    if (!(key in opts)) continue;
    for (const n of needed) {
      if (!(n in opts)) throw new TscError('INVALID_VOLUME_OPTION', `volume "${name}": missing required option: "${n}" (given "${key}")`);
    }
  }
}

/** True when the volume's data is a mount of its own rather than a plain directory. */
export function isMountVolume(opts: Record<string, string>): boolean {
  return 'type' in opts || 'device' in opts;
}

/** mount(8) arguments for a local volume with options; `o=bind` binds `device`. */
export function mountArgv(opts: Record<string, string>, target: string): string[] {
  const o = opts.o ?? '';
  const isBind = o.split(',').some((x) => x === 'bind' || x === 'rbind');
  const type = isBind && (opts.type === undefined || opts.type === 'none') ? 'none' : opts.type!;
  return ['mount', '-t', type, ...(o ? ['-o', o] : []), '--', opts.device!, target];
}

export async function mountLocal(name: string, opts: Record<string, string>, target: string): Promise<void> {
  if (isMounted(target)) return;
  try {
    await execFile(mountArgv(opts, target));
  } catch (error) {
    const detail = error instanceof ProcessError ? error.stderr.trim() || error.message : String(error);
    throw new TscError('VOLUME_MOUNT_FAILED', `volume "${name}": cannot mount ${opts.device} (type=${opts.type}${opts.o ? `, o=${opts.o}` : ''}): ${detail}`);
  }
}

export async function unmountLocal(target: string): Promise<void> {
  if (!isMounted(target)) return;
  await execFile(['umount', '--', target]);
}
