// Networks and volumes on a Docker Engine.
import type { NetworkDetails, NetworkService, NetworkSpec, VolumeDetails, VolumeService, VolumeSpec } from '../../engine/types.js';
import { DockerApiError, type DockerClient } from './client.js';
import { labelFilters } from './containers.js';

interface ApiNetwork {
  Id: string;
  Name: string;
  Driver: string;
  Internal: boolean;
  Labels: Record<string, string> | null;
  IPAM: { Config: Array<{ Subnet?: string; Gateway?: string }> | null };
}

interface ApiVolume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Labels: Record<string, string> | null;
  CreatedAt?: string;
  Options: Record<string, string> | null;
}

function network(n: ApiNetwork): NetworkDetails {
  return {
    id: n.Id, name: n.Name, driver: n.Driver, labels: n.Labels ?? {}, internal: n.Internal,
    subnets: (n.IPAM.Config ?? []).filter((c) => c.Subnet).map((c) => ({ subnet: c.Subnet!, gateway: c.Gateway ?? '' })),
  };
}

function volume(v: ApiVolume): VolumeDetails {
  return { name: v.Name, driver: v.Driver, mountpoint: v.Mountpoint, labels: v.Labels ?? {}, created: v.CreatedAt ?? '', options: v.Options ?? {} };
}

export class DockerNetworkService implements NetworkService {
  constructor(private readonly client: DockerClient) {}

  async create(spec: NetworkSpec): Promise<NetworkDetails> {
    const created = await this.client.json<{ Id: string }>('POST', '/networks/create', {
      body: {
        Name: spec.name, CheckDuplicate: true, Driver: spec.driver ?? 'bridge', Options: spec.driverOpts, Internal: spec.internal,
        Attachable: spec.attachable, EnableIPv6: spec.enableIpv6, Labels: spec.labels,
        IPAM: spec.ipam && {
          Driver: spec.ipam.driver ?? 'default',
          Config: (spec.ipam.config ?? []).map((c) => ({ Subnet: c.subnet, IPRange: c.ipRange, Gateway: c.gateway, AuxiliaryAddresses: c.auxAddresses })),
        },
      },
    });
    return network(await this.client.json<ApiNetwork>('GET', `/networks/${created.Id}`));
  }

  async inspect(name: string): Promise<NetworkDetails | undefined> {
    const n = await this.client.maybe<ApiNetwork>('GET', `/networks/${encodeURIComponent(name)}`);
    // The daemon also matches ID prefixes: only an exact name or ID is this network.
    return n && (n.Name === name || n.Id === name) ? network(n) : undefined;
  }

  async list(filter: { labels?: Record<string, string | undefined> } = {}): Promise<NetworkDetails[]> {
    const labels = labelFilters(filter.labels);
    const items = await this.client.json<ApiNetwork[]>('GET', '/networks', { query: { filters: labels.length ? { label: labels } : undefined } });
    return items.map(network);
  }

  async remove(name: string): Promise<void> {
    try {
      await this.client.json('DELETE', `/networks/${encodeURIComponent(name)}`);
    } catch (error) {
      if (error instanceof DockerApiError && error.statusCode === 404) return;
      throw error;
    }
  }
}

export class DockerVolumeService implements VolumeService {
  constructor(private readonly client: DockerClient) {}

  async create(spec: VolumeSpec): Promise<VolumeDetails> {
    return volume(await this.client.json<ApiVolume>('POST', '/volumes/create', {
      body: { Name: spec.name, Driver: spec.driver ?? 'local', DriverOpts: spec.driverOpts, Labels: spec.labels },
    }));
  }

  async inspect(name: string): Promise<VolumeDetails | undefined> {
    const v = await this.client.maybe<ApiVolume>('GET', `/volumes/${encodeURIComponent(name)}`);
    return v && volume(v);
  }

  async list(filter: { labels?: Record<string, string | undefined> } = {}): Promise<VolumeDetails[]> {
    const labels = labelFilters(filter.labels);
    const r = await this.client.json<{ Volumes: ApiVolume[] | null }>('GET', '/volumes', { query: { filters: labels.length ? { label: labels } : undefined } });
    return (r.Volumes ?? []).map(volume);
  }

  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    try {
      await this.client.json('DELETE', `/volumes/${encodeURIComponent(name)}`, { query: { force: opts.force } });
    } catch (error) {
      if (error instanceof DockerApiError && error.statusCode === 404) return;
      throw error;
    }
  }
}
