// The short device syntax: `/dev/host[:/dev/container[:permissions]]`,
// read as compose-go's `transformDeviceMapping`.
import type { DeviceMapping } from '../types.js';
import { ShortSyntaxError } from './errors.js';

export class DeviceSyntaxError extends ShortSyntaxError {}

/** `/dev/sda:/dev/xvda:rwm` → `{ source, target, permissions }`; target defaults to the source, permissions to `rwm`. */
export function parseDeviceSpec(spec: string): DeviceMapping {
  const parts = spec.split(':');
  if (parts.length > 3) throw new DeviceSyntaxError(`confusing device mapping "${spec}", please use the long syntax`);
  const [source, target, permissions] = parts as [string, string?, string?];
  return { source, target: target || source, permissions: permissions ?? 'rwm' };
}
