// A container's network for one run, by network mode: `host` shares the
// host's namespace; `container:<x>` joins x's; `none` (and no mode at all)
// gets a namespace with loopback only; `bridge`/`default` joins the engine's
// default bridge; a network name gets a sandbox (netns) with one veth per
// network of the spec, names for DNS, and the published ports.
import { existsSync } from 'node:fs';
import type { ContainerSpec, EndpointDetails, EndpointSpec, PortBinding } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import { findRecord, type ContainerRecord } from '../state/containers.js';
import type { ContainerContext } from './context.js';
import { configExtra, stateExtra, type ContainerStateExtra } from './layout.js';

export const DEFAULT_BRIDGE = 'bridge';
const SERVICE_LABEL = 'com.docker.compose.service';

export interface RunNetwork {
  /** For buildOciSpec: a netns path, 'host', or undefined for a new one (loopback only). */
  netns: string | undefined;
  /** Recorded in the container's state while it runs. */
  state?: NonNullable<ContainerStateExtra['network']>;
  /** The container's own address (its /etc/hosts line) and the resolver it should use. */
  ip?: string;
  resolver?: string;
  /** `container:<x>`: the peer whose /etc files it shares. */
  peer?: ContainerRecord;
}

export async function setupNetwork(ctx: ContainerContext, record: ContainerRecord): Promise<RunNetwork> {
  const { spec, id, name } = record.config;
  const mode = spec.networkMode;
  if (mode === 'host') return { netns: 'host' };
  if (mode?.startsWith('container:')) return peerNetwork(ctx, id, mode.slice('container:'.length));
  if (!mode || mode === 'none') return { netns: undefined };
  const targets = attachTargets(spec);
  if (mode === 'bridge' || mode === 'default') await ensureDefaultBridge(ctx);
  const sandbox = await ctx.network.createSandbox(id, { containerName: name });
  try {
    const networks: Record<string, EndpointDetails> = {};
    let primary: { ip: string; gateway: string; internal: boolean } | undefined;
    for (const [network, ep] of targets) {
      const names = dnsNames(spec, name, configExtra(record.config.extra).hostname, id, ep, network === DEFAULT_BRIDGE);
      const r = await ctx.network.connect(id, network, { ...ep, names, ...(spec.dns?.length ? { dnsServers: spec.dns } : {}), ...(spec.links ? { links: spec.links } : {}) });
      const net = ctx.network.getNetwork(network)!;
      networks[network] = { networkId: net.id, ipAddress: r.ip, prefixLen: r.prefixLen, gateway: r.gateway, macAddress: r.mac, aliases: [...(ep.aliases ?? [])], dnsNames: names };
      if (!primary || (primary.internal && !net.internal)) primary = { ip: r.ip, gateway: r.gateway, internal: net.internal };
    }
    // Docker publishes nothing for a container whose networks are all internal.
    const ports = spec.ports?.length && primary && !primary.internal ? await ctx.network.publishPorts(id, primary.ip, spec.ports) : [];
    await ctx.ensureDns();
    const userDefined = !(mode === 'bridge' || mode === 'default');
    return {
      netns: sandbox.path,
      state: { sandboxKey: sandbox.path, networks, ports: withUnpublished(spec.ports ?? [], ports) },
      ip: primary?.ip,
      resolver: userDefined ? targetsGateway(networks, targets) : undefined,
    };
  } catch (error) {
    await ctx.network.destroySandbox(id).catch(() => undefined);
    throw error;
  }
}

/** Unpublishes the ports, removes the veths, the netns and the endpoint record (DNS forgets the container at once); `container:<x>`: leaves x's. */
export async function teardownNetwork(ctx: ContainerContext, record: ContainerRecord): Promise<void> {
  const id = record.config.id;
  if (record.config.spec.networkMode?.startsWith('container:')) ctx.network.leaveSandbox(id);
  if (!ctx.network.hasNetworking(id)) return;
  await ctx.network.destroySandbox(id);
}

/** The networks to join, highest gw_priority first (ties keep the spec's order), the network mode's first. */
export function attachTargets(spec: ContainerSpec): Array<[string, EndpointSpec]> {
  const mode = spec.networkMode === 'default' || spec.networkMode === 'bridge' ? DEFAULT_BRIDGE : spec.networkMode!;
  const entries = Object.entries(spec.networks ?? {}).map(([n, ep]) => [n === 'default' ? DEFAULT_BRIDGE : n, ep] as [string, EndpointSpec]);
  if (!entries.some(([n]) => n === mode)) entries.unshift([mode, {}]);
  const first = entries.findIndex(([n]) => n === mode);
  const [primary] = entries.splice(first, 1);
  return [primary!, ...entries.map((e, i) => [e, i] as const).sort(([a, i], [b, j]) => (b[1].gwPriority ?? 0) - (a[1].gwPriority ?? 0) || i - j).map(([e]) => e)];
}

/** As moby's buildEndpointDNSNames: container name, aliases (and the Compose service), short id, hostname. */
function dnsNames(spec: ContainerSpec, name: string, hostname: string, id: string, ep: EndpointSpec, defaultBridge: boolean): string[] {
  // Docker's default bridge has no name resolution.
  if (defaultBridge) return [];
  const service = spec.labels[SERVICE_LABEL];
  return [...new Set([name, ...(service ? [service] : []), ...(ep.aliases ?? []), id.slice(0, 12), hostname].filter(Boolean))];
}

function targetsGateway(networks: Record<string, EndpointDetails>, targets: Array<[string, EndpointSpec]>): string | undefined {
  return networks[targets[0]![0]]?.gateway;
}

/** Every binding of the spec, published ones with their host port as chosen. */
function withUnpublished(wanted: PortBinding[], published: PortBinding[]): PortBinding[] {
  return published.length ? published : wanted.map((p) => ({ containerPort: p.containerPort, protocol: p.protocol }));
}

async function ensureDefaultBridge(ctx: ContainerContext): Promise<void> {
  if (ctx.network.getNetwork(DEFAULT_BRIDGE)) return;
  try {
    await ctx.network.createNetwork({ name: DEFAULT_BRIDGE });
  } catch (error) {
    // Another command made it meanwhile.
    if (!(error instanceof TscError && error.code === 'NETWORK_EXISTS')) throw error;
  }
}

function peerNetwork(ctx: ContainerContext, id: string, ref: string): RunNetwork {
  const peer = findRecord(ctx.root, ref);
  const running = peer && peer.state.running && peer.state.pid > 0;
  const sandbox = running ? stateExtra(peer.state.extra).network?.sandboxKey : undefined;
  const path = sandbox ?? (running ? `/proc/${peer.state.pid}/ns/net` : undefined);
  if (!peer || !path || !existsSync(path)) throw new TscError('PEER_NOT_RUNNING', `cannot join network namespace of a non running container: ${ref}`);
  // The peer's teardown must not wait for the kernel to remove veths this run keeps alive.
  ctx.network.joinSandbox(id, peer.config.id);
  return { netns: path, peer };
}
