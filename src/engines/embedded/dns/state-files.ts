// Reads what the network code writes under <root>/network/: one file per
// network and one per running container's endpoints. Files are written
// atomically by their owner; one that does not parse is skipped, never fatal.
import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { EndpointEntry, EndpointRecord, NetworkRecord } from '../networks/records.js';

// The file shapes are the network code's own records: one definition of the contract.
export type NetworkFile = Pick<NetworkRecord, 'id' | 'name' | 'bridge' | 'subnet' | 'gateway' | 'internal' | 'labels' | 'driverOpts' | 'created'>;
export type EndpointNetwork = EndpointEntry;
export type EndpointFile = EndpointRecord;

export interface NetworkState {
  networks: NetworkFile[];
  endpoints: EndpointFile[];
  /** Files that could not be read, with why (for the agent's log). */
  skipped: string[];
}

export function networkStateDir(root: string): string {
  return join(root, 'network');
}

export function readNetworkState(root: string): NetworkState {
  const dir = networkStateDir(root);
  const skipped: string[] = [];
  const networks = readDir(join(dir, 'networks'), skipped).filter((v): v is NetworkFile =>
    isRecord(v) && typeof v.name === 'string' && (typeof v.gateway !== 'string' || v.gateway === '' || isIP(v.gateway) !== 0));
  const endpoints = readDir(join(dir, 'endpoints'), skipped).filter((v): v is EndpointFile =>
    isRecord(v) && typeof v.containerId === 'string' && isRecord(v.networks));
  return { networks, endpoints, skipped };
}

function readDir(dir: string, skipped: string[]): unknown[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: unknown[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    const file = join(dir, name);
    try {
      out.push(JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      // ENOENT: removed between readdir and read, which is normal.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') skipped.push(`${file}: ${(error as Error).message}`);
    }
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
