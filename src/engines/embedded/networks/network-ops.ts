// Creating and removing bridge networks: record first, then the bridge, then
// its firewall rules; a failed step undoes the ones before it.
import type { NetworkSpec } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import { generateId } from '../state/ids.js';
import { BRIDGE_OPT, parseBridgeOptions } from './bridge-options.js';
import { setHostSysctl } from './host-sysctls.js';
import { bridgeNet, type NetContext } from './context.js';
import { deleteTagged, ensureChainsAndAdd, removeChainsIfEmpty } from './firewall.js';
import { hostRouteSubnets } from './host-routes.js';
import { resolveIpam } from './ipam.js';
import { mustParseCidr } from './ipv4.js';
import { createBridge, deleteLink } from './links.js';
import { bridgeName } from './names.js';
import { isolationRules, networkRules } from './network-rules.js';
import type { NetworkRecord } from './records.js';
import { StepErrors } from './steps.js';

export type CreateNetworkSpec = NetworkSpec & { project?: string; external?: boolean };

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MTU_OPT = BRIDGE_OPT.mtu;

export async function createNetworkLocked(ctx: NetContext, spec: CreateNetworkSpec): Promise<NetworkRecord> {
  const existing = ctx.records.network(spec.name);
  if (spec.external) {
    if (!existing) throw new TscError('NO_SUCH_NETWORK', `network ${spec.name} declared as external, but could not be found: create it first, e.g. with a project that declares it without \`external: true\``);
    return existing;
  }
  if (!NAME.test(spec.name)) throw new TscError('INVALID_NAME', `invalid network name "${spec.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (existing) throw new TscError('NETWORK_EXISTS', `network with name ${spec.name} already exists`);
  const driver = spec.driver || 'bridge';
  if (driver !== 'bridge') throw new TscError('UNSUPPORTED_NETWORK_DRIVER', `network "${spec.name}": driver "${driver}" is not supported by the embedded engine (only "bridge"); use --engine docker`);
  if ((spec.ipam?.config?.length ?? 0) > 1) throw new TscError('INVALID_IPAM', `network "${spec.name}": only one IPv4 ipam.config entry is supported by the embedded engine`);
  const driverOpts = { ...(spec.driverOpts ?? {}) };
  const options = parseBridgeOptions(spec.name, driverOpts);
  const mtu = parseMtu(spec.name, driverOpts[MTU_OPT]);
  const others = ctx.records.networks();
  const id = generateId();
  const bridge = bridgeName(id, driverOpts);
  const clash = others.find((o) => o.bridge === bridge);
  if (clash) throw new TscError('BRIDGE_EXISTS', `network "${spec.name}": bridge name ${bridge} is already used by network "${clash.name}": choose another com.docker.network.bridge.name`);
  const ipam = resolveIpam(spec.name, spec.ipam?.config?.[0], others.map((o) => mustParseCidr(o.subnet, 'subnet')), await hostRouteSubnets());
  const record: NetworkRecord = {
    id, name: spec.name, bridge, subnet: ipam.subnet, gateway: ipam.gateway, internal: spec.internal === true,
    labels: { ...(spec.labels ?? {}) }, driverOpts, created: new Date().toISOString(),
    ...(ipam.ipRange ? { ipRange: ipam.ipRange } : {}), ...(ipam.auxAddresses ? { auxAddresses: ipam.auxAddresses } : {}),
    ...(mtu ? { mtu } : {}), ...(spec.project ? { project: spec.project } : {}),
  };
  ctx.records.saveNetwork(record);
  try {
    // Undoes itself on failure, and never removes an interface it did not make.
    await createBridge({ name: bridge, address: `${record.gateway}/${ipam.subnet.split('/')[1]}`, mtu, alias: ctx.linkAlias });
  } catch (error) {
    ctx.records.deleteNetwork(record.name);
    throw error;
  }
  try {
    if (!record.internal) await setHostSysctl(ctx.records.dir, 'net.ipv4.ip_forward', '1');
    // enable_icc=false is a rule on traffic inside the bridge: bridged frames must go through iptables.
    if (!options.icc) await setHostSysctl(ctx.records.dir, 'net.bridge.bridge-nf-call-iptables', '1');
    const me = bridgeNet(record);
    await ensureChainsAndAdd([...networkRules(me), ...others.flatMap((o) => isolationRules(me, bridgeNet(o)))]);
  } catch (error) {
    await removeNetworkParts(ctx, record).catch(() => undefined);
    throw error;
  }
  return record;
}

function parseMtu(network: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const mtu = Number(text);
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new TscError('INVALID_MTU', `network "${network}": ${MTU_OPT} must be a number from 68 to 65535, not "${text}"`);
  return mtu;
}

/** Names of the containers attached to a network. */
export function attachedTo(ctx: NetContext, network: string): string[] {
  return ctx.records.sandboxes().filter((s) => network in s.attachments).map((s) => s.containerName || s.containerId.slice(0, 12));
}

export async function removeNetworkLocked(ctx: NetContext, name: string): Promise<void> {
  const record = ctx.records.network(name);
  if (!record) throw new TscError('NO_SUCH_NETWORK', `network ${name} not found`);
  const users = attachedTo(ctx, name);
  if (users.length) throw new TscError('NETWORK_IN_USE', `error while removing network: network ${name} id ${record.id} has active endpoints (${users.join(', ')}): stop and remove them first`);
  await removeNetworkParts(ctx, record);
}

/** Rules, bridge, record: all attempted; the record goes only when the rest went. */
export async function removeNetworkParts(ctx: NetContext, record: NetworkRecord): Promise<void> {
  const steps = new StepErrors();
  await steps.run(() => deleteTagged(record.id.slice(0, 12)));
  await steps.run(() => deleteLink(record.bridge));
  if (steps.ok) ctx.records.deleteNetwork(record.name);
  await steps.run(() => removeChainsIfEmpty());
  steps.throwFirst();
}
