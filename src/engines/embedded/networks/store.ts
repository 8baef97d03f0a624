// The engine's NetworkService over the NetworkManager (manager.ts): bridges with
// IPAM and NAT. The agent (DNS on every gateway) is started once a network
// exists and stopped with the last one, when our firewall chains go too, so a
// `down` of the last project leaves nothing of ours on the host.
import type { NetworkDetails, NetworkService, NetworkSpec } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import type { NetworkManager, NetworkRecord } from './manager.js';
import { compareStrings } from '../../../util/compare.js';

/** Docker's predefined networks: `network create` refuses their names. */
const PREDEFINED = new Set(['bridge', 'host', 'none', 'default']);

export interface NetworkAdapterOptions {
  /** Starts (or pokes) the DNS agent once a network exists. */
  onNetworkCreated?: () => Promise<void>;
  /** Called when no network of ours is left (stop the agent). */
  onLastNetworkRemoved?: () => Promise<void>;
}

export class EmbeddedNetworkService implements NetworkService {
  /** The agent start kicked off by the last create, not awaited there (see create). */
  private agentStart: Promise<void> | undefined;

  constructor(private readonly manager: NetworkManager, private readonly opts: NetworkAdapterOptions = {}) {}

  async create(spec: NetworkSpec & { external?: boolean }): Promise<NetworkDetails> {
    if (PREDEFINED.has(spec.name) && !spec.external) throw new TscError('NETWORK_PREDEFINED', `${spec.name} is a pre-defined network and cannot be created`);
    if (spec.enableIpv6) throw new TscError('UNSUPPORTED_IPV6', `network "${spec.name}": enable_ipv6 is not supported by the embedded engine yet; remove it or use --engine docker`);
    const project = spec.labels?.['com.docker.compose.project'];
    const record = await this.manager.createNetwork({ ...spec, ...(project ? { project } : {}) });
    // The agent (a new node process, ~0.2-0.3 s) starts while the containers are made: a start of
    // a container on the network waits for it (ensureDns) before its process runs, as Docker's
    // embedded DNS is there before the container. A failure here is reported by that start.
    const started = this.opts.onNetworkCreated?.().catch(() => undefined);
    this.agentStart = started;
    void started?.finally(() => { if (this.agentStart === started) this.agentStart = undefined; });
    return details(record);
  }

  /** By name, full id or unique id prefix. */
  async inspect(ref: string): Promise<NetworkDetails | undefined> {
    const record = this.find(ref);
    return record && details(record);
  }

  async list(filter: { labels?: Record<string, string | undefined> } = {}): Promise<NetworkDetails[]> {
    return this.manager.listNetworks()
      .filter((r) => !filter.labels || Object.entries(filter.labels).every(([k, v]) => k in r.labels && (v === undefined || r.labels[k] === v)))
      .sort((a, b) => compareStrings(a.name, b.name))
      .map(details);
  }

  /** Refuses while a running container is attached (the manager says which). */
  async remove(ref: string): Promise<void> {
    const record = this.find(ref);
    if (!record) throw new TscError('NO_SUCH_NETWORK', `network ${ref} not found`);
    // An agent still starting would outlive the stopAgent below.
    await this.agentStart;
    await this.manager.removeNetwork(record.name);
    await this.removeDefaultBridgeIfIdle();
    if (this.manager.listNetworks().length === 0) {
      await this.manager.teardownAll();
      await this.opts.onLastNetworkRemoved?.();
    }
  }

  /** The engine's own `bridge` network goes when it is the last one and nobody uses it. */
  private async removeDefaultBridgeIfIdle(): Promise<void> {
    const all = this.manager.listNetworks();
    if (all.length !== 1 || all[0]!.name !== 'bridge' || this.manager.attachedTo('bridge').length) return;
    await this.manager.removeNetwork('bridge').catch(() => undefined);
  }

  private find(ref: string): NetworkRecord | undefined {
    const byName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(ref) ? this.manager.getNetwork(ref) : undefined;
    if (byName) return byName;
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    const matches = this.manager.listNetworks().filter((r) => r.id.startsWith(ref));
    if (matches.length > 1) throw new TscError('AMBIGUOUS_ID', `network ${ref} is ambiguous (${matches.length} matches found based on ID prefix)`);
    return matches[0];
  }
}

export function details(r: NetworkRecord): NetworkDetails {
  return { id: r.id, name: r.name, driver: 'bridge', labels: { ...r.labels }, internal: r.internal, subnets: [{ subnet: r.subnet, gateway: r.gateway }] };
}
