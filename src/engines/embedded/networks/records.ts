// On-disk records of the network code, under <root>/network/, written
// atomically. endpoints/<containerId>.json is read by the DNS resolver: keep its shape.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../../util/atomic-file.js';
import { isJsonObject, readStateJson } from '../state/damaged-file.js';
import type { StateRoot } from '../state/root.js';
import type { PublishedPort } from './port-rules.js';

export interface NetworkRecord {
  id: string;
  name: string;
  bridge: string;
  /** `172.18.0.0/16` */
  subnet: string;
  gateway: string;
  internal: boolean;
  labels: Record<string, string>;
  driverOpts: Record<string, string>;
  /** ISO 8601. */
  created: string;
  ipRange?: string;
  auxAddresses?: Record<string, string>;
  mtu?: number;
  project?: string;
}

export interface EndpointEntry {
  ip: string;
  gateway: string;
  subnet: string;
  mac: string;
  ifname: string;
  /** DNS names the container answers to on this network. */
  names: string[];
}

export interface EndpointRecord {
  containerId: string;
  containerName: string;
  networks: Record<string, EndpointEntry>;
  /** The container's `dns:` servers: the resolver forwards its other queries there. */
  dnsServers?: string[];
  /** Legacy links of the container: alias → the name it stands for, for this container's queries only. */
  links?: Record<string, string>;
}

export interface Attachment {
  networkId: string;
  hostIf: string;
  ifname: string;
  /** The endpoint's address: what IPAM counts as taken. */
  ip: string;
  gwPriority: number;
  internal: boolean;
  /** Connection order: ties of gwPriority go to the earliest. */
  seq: number;
}

/** What teardown needs beyond the endpoint record; written before anything is made. */
export interface SandboxRecord {
  containerId: string;
  containerName: string;
  netns: string;
  created: string;
  attachments: Record<string, Attachment>;
}

/** A container whose run joined another's network namespace (`network_mode: container:<x>`): x's sandbox is kept alive by it. */
export interface JoinRecord {
  containerId: string;
  /** The container whose sandbox (netns) it joined: x, or the one x itself joined. */
  sandbox: string;
}

export interface PortRecord {
  containerId: string;
  containerIp: string;
  ports: PublishedPort[];
}

/** The record kinds, one directory each under <root>/network/. */
export const RECORD_KINDS = ['networks', 'endpoints', 'sandboxes', 'joins', 'ports'] as const;
type Kind = (typeof RECORD_KINDS)[number];

export class NetworkRecords {
  readonly dir: string;
  constructor(root: StateRoot) {
    this.dir = join(root.path, 'network');
    for (const kind of RECORD_KINDS) mkdirSync(join(this.dir, kind), { recursive: true, mode: 0o700 });
  }

  network(name: string): NetworkRecord | undefined { return this.read('networks', name); }
  networks(): NetworkRecord[] { return this.all<NetworkRecord>('networks'); }
  saveNetwork(r: NetworkRecord): void { this.write('networks', r.name, r); }
  deleteNetwork(name: string): void { this.remove('networks', name); }

  endpoint(containerId: string): EndpointRecord | undefined { return this.read('endpoints', containerId); }
  endpoints(): EndpointRecord[] { return this.all<EndpointRecord>('endpoints'); }
  saveEndpoint(r: EndpointRecord): void { this.write('endpoints', r.containerId, r); }
  deleteEndpoint(containerId: string): void { this.remove('endpoints', containerId); }

  sandbox(containerId: string): SandboxRecord | undefined { return this.read('sandboxes', containerId); }
  sandboxes(): SandboxRecord[] { return this.all<SandboxRecord>('sandboxes'); }
  saveSandbox(r: SandboxRecord): void { this.write('sandboxes', r.containerId, r); }
  deleteSandbox(containerId: string): void { this.remove('sandboxes', containerId); }

  join(containerId: string): JoinRecord | undefined { return this.read('joins', containerId); }
  joins(): JoinRecord[] { return this.all<JoinRecord>('joins'); }
  saveJoin(r: JoinRecord): void { this.write('joins', r.containerId, r); }
  deleteJoin(containerId: string): void { this.remove('joins', containerId); }

  ports(containerId: string): PortRecord | undefined { return this.read('ports', containerId); }
  allPorts(): PortRecord[] { return this.all<PortRecord>('ports'); }
  savePorts(r: PortRecord): void { this.write('ports', r.containerId, r); }
  deletePorts(containerId: string): void { this.remove('ports', containerId); }

  private file(kind: Kind, key: string): string {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(key)) throw new Error(`invalid record key ${JSON.stringify(key)}`);
    return join(this.dir, kind, `${key}.json`);
  }

  private read<T>(kind: Kind, key: string): T | undefined {
    return readStateJson<T>(this.file(kind, key), isJsonObject);
  }

  private write(kind: Kind, key: string, value: unknown): void {
    writeJsonAtomic(this.file(kind, key), value);
  }

  private remove(kind: Kind, key: string): void {
    rmSync(this.file(kind, key), { force: true });
  }

  private all<T>(kind: Kind): T[] {
    return readdirSync(join(this.dir, kind))
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .sort()
      .map((f) => readStateJson<T>(join(this.dir, kind, f), isJsonObject))
      .filter((r): r is T => r !== undefined);
  }
}
