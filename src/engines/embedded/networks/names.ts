// Host-side names: every interface and namespace of ours starts with `tsc`, and
// interface names fit Linux's 15 characters.
import { createHash } from 'node:crypto';
import { TscError } from '../../../util/errors.js';

export const IFNAME_MAX = 15;
export const OUR_PREFIX = 'tsc';
const IFNAME = /^[a-zA-Z0-9_.-]{1,15}$/;

/** `tsc` + the first 12 digits of the network id, or the name given in `com.docker.network.bridge.name`. */
export function bridgeName(networkId: string, driverOpts: Record<string, string> = {}): string {
  const chosen = driverOpts['com.docker.network.bridge.name'];
  if (chosen !== undefined) return checkIfname(chosen, 'com.docker.network.bridge.name');
  return OUR_PREFIX + networkId.slice(0, IFNAME_MAX - OUR_PREFIX.length);
}

/** The host end of a container's veth on one network: stable, so teardown finds it without a record. */
export function vethHostName(containerId: string, networkId: string): string {
  const hash = createHash('sha256').update(`${containerId}/${networkId}`).digest('hex');
  return OUR_PREFIX + hash.slice(0, IFNAME_MAX - OUR_PREFIX.length);
}

export function netnsName(containerId: string): string {
  return `tsc-${containerId.slice(0, 12)}`;
}

export function netnsPath(containerId: string): string {
  return `/run/netns/${netnsName(containerId)}`;
}

export function checkIfname(name: string, what: string): string {
  if (!IFNAME.test(name) || name === '.' || name === '..') {
    throw new TscError('INVALID_IFNAME', `invalid ${what} "${name}": an interface name has 1 to 15 letters, digits, '_', '.' or '-'`);
  }
  return name;
}
