// IPAM of one bridge network: the subnet, gateway, range and reserved
// addresses from `ipam.config` (or a free subnet from the default pools), and
// addresses for endpoints.
import { TscError } from '../../../util/errors.js';
import { contains, formatCidr, formatIp, lastOf, mustParseCidr, mustParseIp, overlaps, type Cidr } from './ipv4.js';
import { pickFreeSubnet } from './subnet-pool.js';

export interface IpamInput {
  subnet?: string;
  ipRange?: string;
  gateway?: string;
  auxAddresses?: Record<string, string>;
}

export interface NetworkIpam {
  subnet: string;
  gateway: string;
  ipRange?: string;
  auxAddresses?: Record<string, string>;
}

/**
 * `ours`: subnets of our other networks (a given subnet must not overlap
 * them); `routed`: the host's routes too (an automatic subnet avoids both).
 */
export function resolveIpam(network: string, input: IpamInput | undefined, ours: Cidr[], routed: Cidr[]): NetworkIpam {
  let subnet: Cidr;
  if (input?.subnet) {
    subnet = mustParseCidr(input.subnet, `subnet of network "${network}"`);
    if (subnet.prefix > 30) throw new TscError('INVALID_SUBNET', `subnet ${input.subnet} of network "${network}" is too small: use a prefix of /30 or shorter`);
    const clash = ours.find((o) => overlaps(o, subnet));
    if (clash) throw new TscError('SUBNET_OVERLAP', `invalid pool request for network "${network}": ${formatCidr(subnet)} overlaps ${formatCidr(clash)}, the subnet of another network: choose another subnet`);
  } else {
    if (input?.ipRange || input?.gateway) throw new TscError('INVALID_IPAM', `network "${network}": ip_range and gateway need a subnet in ipam.config`);
    subnet = pickFreeSubnet([...ours, ...routed]);
  }
  const inside = (text: string, what: string): number => {
    const ip = mustParseIp(text, what);
    if (!contains(subnet, ip)) throw new TscError('INVALID_IPAM', `${what} ${text} of network "${network}" is not in its subnet ${formatCidr(subnet)}`);
    return ip;
  };
  let ipRange: Cidr | undefined;
  if (input?.ipRange) {
    ipRange = mustParseCidr(input.ipRange, `ip_range of network "${network}"`);
    if (!contains(subnet, ipRange.base) || ipRange.prefix < subnet.prefix) throw new TscError('INVALID_IPAM', `ip_range ${input.ipRange} of network "${network}" is not in its subnet ${formatCidr(subnet)}`);
  }
  const gateway = input?.gateway ? inside(input.gateway, 'gateway') : subnet.base + 1;
  if (gateway === subnet.base || gateway === lastOf(subnet)) throw new TscError('INVALID_IPAM', `gateway ${formatIp(gateway)} of network "${network}" is the network or broadcast address of ${formatCidr(subnet)}`);
  const aux = input?.auxAddresses && Object.keys(input.auxAddresses).length ? input.auxAddresses : undefined;
  for (const [host, addr] of Object.entries(aux ?? {})) inside(addr, `aux address "${host}"`);
  return { subnet: formatCidr(subnet), gateway: formatIp(gateway), ...(ipRange ? { ipRange: formatCidr(ipRange) } : {}), ...(aux ? { auxAddresses: { ...aux } } : {}) };
}

/** Addresses that no endpoint may take: network, broadcast, gateway, aux addresses. */
function reserved(ipam: NetworkIpam): Set<number> {
  const subnet = mustParseCidr(ipam.subnet, 'subnet');
  const set = new Set([subnet.base, lastOf(subnet), mustParseIp(ipam.gateway, 'gateway')]);
  for (const a of Object.values(ipam.auxAddresses ?? {})) set.add(mustParseIp(a, 'aux address'));
  return set;
}

/** The lowest free address of the range (or subnet); or checks a requested one. */
export function allocateAddress(network: string, ipam: NetworkIpam, used: string[], requested?: string): string {
  const subnet = mustParseCidr(ipam.subnet, 'subnet');
  const taken = reserved(ipam);
  for (const u of used) taken.add(mustParseIp(u, 'address'));
  if (requested) {
    const ip = mustParseIp(requested, `ipv4_address`);
    if (!contains(subnet, ip)) throw new TscError('ADDRESS_NOT_IN_SUBNET', `ipv4_address ${requested} is not in the subnet ${ipam.subnet} of network "${network}": choose an address inside it`);
    if (taken.has(ip)) throw new TscError('ADDRESS_IN_USE', `ipv4_address ${requested} on network "${network}" is already in use (by another container, the gateway or an aux address): choose another`);
    return requested;
  }
  const range = ipam.ipRange ? mustParseCidr(ipam.ipRange, 'ip_range') : subnet;
  for (let ip = range.base; ip <= lastOf(range); ip++) if (!taken.has(ip)) return formatIp(ip);
  throw new TscError('NO_FREE_ADDRESS', `no available IPv4 addresses on network "${network}" (${ipam.ipRange ?? ipam.subnet}): remove containers from it, or give it a larger subnet`);
}
