// What the network operations share: the state root, the records, and the
// ifalias that marks host links as this state root's.
import { createHash } from 'node:crypto';
import type { StateRoot } from '../state/root.js';
import { NetworkRecords, type NetworkRecord } from './records.js';
import type { BridgeNet } from './network-rules.js';
import { readBridgeOptions } from './bridge-options.js';

export interface NetContext {
  root: StateRoot;
  records: NetworkRecords;
  /** `tscompose:<hash of the root path>`, set as ifalias on every link we make. */
  linkAlias: string;
}

export function openNetContext(root: StateRoot): NetContext {
  const linkAlias = `tscompose:${createHash('sha256').update(root.path).digest('hex').slice(0, 12)}`;
  return { root, records: new NetworkRecords(root), linkAlias };
}

export function bridgeNet(r: NetworkRecord): BridgeNet {
  const opts = readBridgeOptions(r.driverOpts);
  return { id12: r.id.slice(0, 12), bridge: r.bridge, subnet: r.subnet, internal: r.internal, icc: opts.icc, masquerade: opts.masquerade };
}
