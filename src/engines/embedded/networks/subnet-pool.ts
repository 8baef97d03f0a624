// Docker's default address pools, walked in order: 172.17-31.0.0/16 (172.17 is
// Docker's own default bridge, so user networks start at 172.18), then
// 192.168.0.0/16 cut into /20s. The first candidate that overlaps neither a
// route of the host nor a network of ours is taken.
import { TscError } from '../../../util/errors.js';
import { overlaps, parseIp, type Cidr } from './ipv4.js';

interface Pool {
  /** First and last address the pool spans, cut into /size subnets. */
  first: string;
  last: string;
  size: number;
}

const DEFAULT_POOLS: Pool[] = [
  { first: '172.17.0.0', last: '172.31.255.255', size: 16 },
  { first: '192.168.0.0', last: '192.168.255.255', size: 20 },
];

/** Skipped by the walk: left to Docker's default bridge. */
const RESERVED: Cidr[] = [{ base: parseIp('172.17.0.0')!, prefix: 16 }];

export function* candidateSubnets(pools: Pool[] = DEFAULT_POOLS): Generator<Cidr> {
  for (const pool of pools) {
    const step = 2 ** (32 - pool.size);
    for (let base = parseIp(pool.first)!; base <= parseIp(pool.last)!; base += step) yield { base, prefix: pool.size };
  }
}

export function pickFreeSubnet(taken: Cidr[]): Cidr {
  for (const c of candidateSubnets()) {
    if (RESERVED.some((r) => overlaps(r, c))) continue;
    if (!taken.some((t) => overlaps(t, c))) return c;
  }
  throw new TscError('NO_FREE_SUBNET', 'all predefined address pools have been fully subnetted: remove unused networks (`tscompose down`), or set ipam.config.subnet on the network');
}
