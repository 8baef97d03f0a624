// The project's networks and volumes as plan steps: create what is missing;
// an external one that is missing is an error, as in Docker Compose.
import type { NetworkConfig, VolumeConfig } from '../compose/model.js';
import type { NetworkSpec, VolumeSpec } from '../engine/types.js';
import { TscError } from '../util/errors.js';
import { LABEL } from './labels.js';
import type { ObservedProject } from './observe.js';
import type { PlanBuilder } from './plan-types.js';
import type { StackProject } from './stack-project.js';
import { TSCOMPOSE_VERSION } from './version.js';
import { compareStrings } from '../util/compare.js';

/** Adds create steps; returns their ids (containers wait for them). */
export function planProjectResources(b: PlanBuilder, stack: StackProject, observed: ObservedProject): string[] {
  const ids: string[] = [];
  const { project } = stack;
  for (const [key, net] of Object.entries(project.networks).sort(([a], [b2]) => compareStrings(a, b2))) {
    if (observed.networks[net.name]) continue;
    if (net.external) throw new TscError('NETWORK_NOT_FOUND', `network ${net.name} declared as external, but could not be found`);
    ids.push(b.add({ kind: 'Network', name: net.name, action: { op: 'network-create', spec: networkSpec(project.name, key, net) } }));
  }
  for (const [key, vol] of Object.entries(project.volumes).sort(([a], [b2]) => compareStrings(a, b2))) {
    if (observed.volumes[vol.name]) continue;
    if (vol.external) throw new TscError('VOLUME_NOT_FOUND', `external volume "${vol.name}" not found`);
    ids.push(b.add({ kind: 'Volume', name: vol.name, action: { op: 'volume-create', spec: volumeSpec(project.name, key, vol) } }));
  }
  return ids;
}

export function networkSpec(project: string, key: string, net: NetworkConfig): NetworkSpec {
  const spec: NetworkSpec = {
    name: net.name,
    labels: { ...(net.labels ?? {}), [LABEL.project]: project, [LABEL.network]: key, [LABEL.version]: TSCOMPOSE_VERSION },
  };
  if (net.driver) spec.driver = net.driver;
  if (net.driver_opts) spec.driverOpts = { ...net.driver_opts };
  if (net.internal) spec.internal = true;
  if (net.attachable) spec.attachable = true;
  if (net.enable_ipv6) spec.enableIpv6 = true;
  if (net.ipam) {
    spec.ipam = {
      ...(net.ipam.driver ? { driver: net.ipam.driver } : {}),
      config: (net.ipam.config ?? []).map((c) => ({
        ...(c.subnet ? { subnet: c.subnet } : {}),
        ...(c.ip_range ? { ipRange: c.ip_range } : {}),
        ...(c.gateway ? { gateway: c.gateway } : {}),
        ...(c.aux_addresses ? { auxAddresses: { ...c.aux_addresses } } : {}),
      })),
    };
  }
  return spec;
}

export function volumeSpec(project: string, key: string, vol: VolumeConfig): VolumeSpec {
  const spec: VolumeSpec = {
    name: vol.name,
    labels: { ...(vol.labels ?? {}), [LABEL.project]: project, [LABEL.volume]: key, [LABEL.version]: TSCOMPOSE_VERSION },
  };
  if (vol.driver) spec.driver = vol.driver;
  if (vol.driver_opts) spec.driverOpts = { ...vol.driver_opts };
  return spec;
}
