// Networks as records only: <root>/networks/<name>.json with what `network
// create` was given. Bridges, veths, IPAM and DNS are the next issue; until
// then containers on a network get a namespace with only loopback.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkDetails, NetworkService, NetworkSpec } from '../../../engine/types.js';
import { readJson, writeJsonAtomic } from '../../../util/atomic-file.js';
import { TscError } from '../../../util/errors.js';
import { generateId } from '../state/ids.js';
import { withGlobalLock } from '../state/lock.js';
import type { StateRoot } from '../state/root.js';

interface NetworkRecord {
  id: string;
  name: string;
  driver: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
  internal: boolean;
  attachable: boolean;
  enableIpv6: boolean;
  ipam: NonNullable<NetworkSpec['ipam']>;
  created: string;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** Docker's predefined networks: `network create` refuses their names. */
const PREDEFINED = new Set(['bridge', 'host', 'none']);

export interface NetworkStoreOptions {
  /** Ids of containers attached to the network; a network in use is not removed. */
  isInUse?: (name: string) => string[] | Promise<string[]>;
}

export class NetworkRecordStore implements NetworkService {
  private readonly dir: string;
  constructor(private readonly root: StateRoot, private readonly opts: NetworkStoreOptions = {}) {
    this.dir = join(root.path, 'networks');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  async create(spec: NetworkSpec): Promise<NetworkDetails> {
    if (!NAME.test(spec.name)) throw new TscError('INVALID_NAME', `invalid network name "${spec.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if (PREDEFINED.has(spec.name)) throw new TscError('NETWORK_PREDEFINED', `${spec.name} is a pre-defined network and cannot be created`);
    const driver = spec.driver || 'bridge';
    if (driver !== 'bridge') throw new TscError('UNSUPPORTED_NETWORK_DRIVER', `network "${spec.name}": driver "${driver}" is not supported by the embedded engine (only "bridge"); use --engine docker`);
    return withGlobalLock(this.root, 'create network', () => {
      if (this.read(spec.name)) throw new TscError('NETWORK_EXISTS', `network with name ${spec.name} already exists`);
      const record: NetworkRecord = {
        id: generateId(), name: spec.name, driver, driverOpts: { ...(spec.driverOpts ?? {}) }, labels: { ...(spec.labels ?? {}) },
        internal: spec.internal === true, attachable: spec.attachable === true, enableIpv6: spec.enableIpv6 === true,
        ipam: spec.ipam ?? {}, created: new Date().toISOString(),
      };
      writeJsonAtomic(this.file(spec.name), record);
      return details(record);
    });
  }

  /** By name, full id or unique id prefix. */
  async inspect(ref: string): Promise<NetworkDetails | undefined> {
    const record = this.find(ref);
    return record && details(record);
  }

  async list(filter: { labels?: Record<string, string | undefined> } = {}): Promise<NetworkDetails[]> {
    return this.all()
      .filter((r) => !filter.labels || Object.entries(filter.labels).every(([k, v]) => k in r.labels && (v === undefined || r.labels[k] === v)))
      .map(details);
  }

  async remove(ref: string): Promise<void> {
    const record = this.find(ref);
    if (!record) throw new TscError('NO_SUCH_NETWORK', `network ${ref} not found`);
    const users = (await this.opts.isInUse?.(record.name)) ?? [];
    if (users.length) throw new TscError('NETWORK_IN_USE', `error while removing network: network ${record.name} id ${record.id} has active endpoints (${users.join(', ')})`);
    rmSync(this.file(record.name), { force: true });
  }

  private find(ref: string): NetworkRecord | undefined {
    const byName = this.read(ref);
    if (byName) return byName;
    const matches = this.all().filter((r) => r.id.startsWith(ref));
    if (matches.length > 1) throw new TscError('AMBIGUOUS_ID', `network ${ref} is ambiguous (${matches.length} matches found based on ID prefix)`);
    return /^[0-9a-f]+$/.test(ref) ? matches[0] : undefined;
  }

  private all(): NetworkRecord[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .map((f) => this.read(f.slice(0, -5)))
      .filter((r): r is NetworkRecord => r !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private read(name: string): NetworkRecord | undefined {
    if (!NAME.test(name)) return undefined;
    try {
      return readJson<NetworkRecord>(this.file(name));
    } catch {
      return undefined;
    }
  }

  private file(name: string): string {
    return join(this.dir, `${name}.json`);
  }
}

function details(r: NetworkRecord): NetworkDetails {
  const subnets = (r.ipam.config ?? []).filter((c) => c.subnet).map((c) => ({ subnet: c.subnet!, gateway: c.gateway ?? '' }));
  return { id: r.id, name: r.name, driver: r.driver, labels: { ...r.labels }, internal: r.internal, subnets };
}
