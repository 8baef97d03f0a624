// `devices` and `device_cgroup_rules` as the OCI spec wants them: the host
// node's type and numbers (read from the host path the Compose file names),
// created at the container path, and allowed in the device cgroup (moby
// daemon/devices_linux.go).
import { statSync } from 'node:fs';
import type { ContainerSpec } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import type { OciDevice, OciDeviceRule } from './oci-types.js';

export interface ResolvedDevices {
  nodes: OciDevice[];
  rules: OciDeviceRule[];
}

export function resolveDevices(spec: Pick<ContainerSpec, 'devices' | 'deviceCgroupRules'>): ResolvedDevices {
  const nodes: OciDevice[] = [];
  const rules: OciDeviceRule[] = [];
  for (const d of spec.devices ?? []) {
    let st;
    try {
      st = statSync(d.source, { bigint: true });
    } catch (error) {
      throw new TscError('DEVICE_NOT_FOUND', `error gathering device information while adding custom device "${d.source}": ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`);
    }
    const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
    if (!type) throw new TscError('DEVICE_INVALID', `"${d.source}" is not a device node: devices takes a character or block device such as /dev/ttyUSB0`);
    const { major, minor } = splitDev(st.rdev);
    const access = d.permissions || 'rwm';
    if (!/^[rwm]+$/.test(access)) throw new TscError('DEVICE_INVALID', `invalid device permissions "${access}" for ${d.source}: use a combination of r, w and m`);
    nodes.push({ type, path: d.target || d.source, major, minor, fileMode: Number(st.mode & 0o777n), uid: 0, gid: 0 });
    rules.push({ allow: true, type, major, minor, access });
  }
  for (const rule of spec.deviceCgroupRules ?? []) rules.push(parseDeviceCgroupRule(rule));
  return { nodes, rules };
}

/** Linux's dev_t layout (glibc gnu_dev_major/minor). */
export function splitDev(rdev: bigint): { major: number; minor: number } {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

/** `c 1:3 rwm`, `b 8:* rm`, `a *:* rwm` (Docker's device_cgroup_rules syntax). */
export function parseDeviceCgroupRule(text: string): OciDeviceRule {
  const m = /^([acb]) (\*|[0-9]+):(\*|[0-9]+) ([rwm]{1,3})$/.exec(text.trim());
  if (!m) throw new TscError('DEVICE_INVALID', `invalid device cgroup rule "${text}": expected TYPE MAJOR:MINOR ACCESS, e.g. "c 1:3 rwm"`);
  const rule: OciDeviceRule = { allow: true, type: m[1] as 'a' | 'c' | 'b', access: m[4]! };
  if (m[2] !== '*') rule.major = Number(m[2]);
  if (m[3] !== '*') rule.minor = Number(m[3]);
  return rule;
}
