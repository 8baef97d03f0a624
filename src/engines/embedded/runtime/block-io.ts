// blkio_config as the OCI spec's blockIO: host block devices named by path
// become major:minor numbers (read on the host, as Docker does). Throttles work
// wherever the blkio (v1) or io (v2) controller is; weights need an I/O
// scheduler with weights, which many hosts lack: refused there, not dropped.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BlkioSpec } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import { listHierarchies } from './cgroups.js';
import { splitDev } from './devices.js';
import type { OciBlockIO, OciThrottleDevice } from './oci-types.js';

export function resolveBlockIO(spec: BlkioSpec | undefined, cgroupVersion: 1 | 2): OciBlockIO | undefined {
  if (!spec) return undefined;
  const out: OciBlockIO = {};
  if (spec.weight !== undefined || spec.weightDevice?.length) {
    if (!hasWeights(cgroupVersion)) {
      throw new TscError('BLKIO_UNSUPPORTED', 'blkio_config weight: this host\'s block I/O scheduler has no weights (no blkio.weight or io.weight); remove weight and weight_device, throttles work');
    }
    if (spec.weight !== undefined) out.weight = spec.weight;
    if (spec.weightDevice?.length) out.weightDevice = spec.weightDevice.map((d) => ({ ...numbers(d.path), weight: d.weight }));
  }
  const throttle = (list: Array<{ path: string; rate: number }> | undefined): OciThrottleDevice[] | undefined =>
    list?.length ? list.map((d) => ({ ...numbers(d.path), rate: d.rate })) : undefined;
  const fields: Array<[keyof OciBlockIO, OciThrottleDevice[] | undefined]> = [
    ['throttleReadBpsDevice', throttle(spec.readBps)], ['throttleWriteBpsDevice', throttle(spec.writeBps)],
    ['throttleReadIOPSDevice', throttle(spec.readIops)], ['throttleWriteIOPSDevice', throttle(spec.writeIops)],
  ];
  for (const [key, value] of fields) if (value) (out as Record<string, unknown>)[key] = value;
  return Object.keys(out).length > 0 ? out : undefined;
}

function numbers(path: string): { major: number; minor: number } {
  let st;
  try {
    st = statSync(path, { bigint: true });
  } catch (error) {
    throw new TscError('DEVICE_NOT_FOUND', `blkio_config: ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such device' : (error as Error).message}`);
  }
  if (!st.isBlockDevice()) throw new TscError('DEVICE_INVALID', `blkio_config: ${path} is not a block device`);
  return splitDev(st.rdev);
}

function hasWeights(cgroupVersion: 1 | 2): boolean {
  const h = listHierarchies().find((x) => x.version === cgroupVersion && x.controllers.includes(cgroupVersion === 1 ? 'blkio' : 'io'));
  if (!h) return false;
  const files = cgroupVersion === 1 ? ['blkio.weight', 'blkio.bfq.weight'] : ['io.weight', 'io.bfq.weight'];
  // v2 has the files in child cgroups only: look at ours.
  const dir = cgroupVersion === 1 ? h.mountPoint : join(h.mountPoint, 'tscompose');
  return files.some((f) => existsSync(join(dir, f)));
}
