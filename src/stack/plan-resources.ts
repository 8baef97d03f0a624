// The project's networks and volumes as plan steps: create what is missing;
// an external one that is missing is an error, as in Docker Compose. One that
// exists is checked as Docker Compose checks it: made by this project (its
// labels) and with the configuration it was made with (the config-hash label).
import type { NetworkConfig, VolumeConfig } from '../compose/model.js';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../compose/config-hash.js';
import type { NetworkDetails, NetworkSpec, VolumeDetails, VolumeSpec } from '../engine/types.js';
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
    const found = observed.networks[net.name];
    if (found) {
      if (!net.external) checkExistingNetwork(b, project.name, key, net, found);
      continue;
    }
    if (net.external) throw new TscError('NETWORK_NOT_FOUND', `network ${net.name} declared as external, but could not be found`);
    ids.push(b.add({ kind: 'Network', name: net.name, action: { op: 'network-create', spec: networkSpec(project.name, key, net) } }));
  }
  for (const [key, vol] of Object.entries(project.volumes).sort(([a], [b2]) => compareStrings(a, b2))) {
    const found = observed.volumes[vol.name];
    if (found) {
      if (!vol.external) checkExistingVolume(b, project.name, key, vol, found);
      continue;
    }
    if (vol.external) throw new TscError('VOLUME_NOT_FOUND', `external volume "${vol.name}" not found`);
    ids.push(b.add({ kind: 'Volume', name: vol.name, action: { op: 'volume-create', spec: volumeSpec(project.name, key, vol) } }));
  }
  return ids;
}

export function networkSpec(project: string, key: string, net: NetworkConfig): NetworkSpec {
  const spec: NetworkSpec = {
    name: net.name,
    labels: {
      ...(net.labels ?? {}), [LABEL.project]: project, [LABEL.network]: key, [LABEL.version]: TSCOMPOSE_VERSION,
      [LABEL.configHash]: resourceConfigHash(net),
    },
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
    labels: {
      ...(vol.labels ?? {}), [LABEL.project]: project, [LABEL.volume]: key, [LABEL.version]: TSCOMPOSE_VERSION,
      [LABEL.configHash]: resourceConfigHash(vol),
    },
  };
  if (vol.driver) spec.driver = vol.driver;
  if (vol.driver_opts) spec.driverOpts = { ...vol.driver_opts };
  return spec;
}

/** The `com.docker.compose.config-hash` of a network or volume: what it is made with. */
export function resourceConfigHash(config: NetworkConfig | VolumeConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

function checkExistingNetwork(b: PlanBuilder, project: string, key: string, net: NetworkConfig, found: NetworkDetails): void {
  // Docker Compose's words (resolveOrCreateNetwork): a warning, then an error if the network key differs.
  const owner = found.labels[LABEL.project];
  const foreign = owner === undefined
    ? `a network with name ${net.name} exists but was not created by compose.\nSet \`external: true\` to use an existing network`
    : owner !== project
      ? `a network with name ${net.name} exists but was not created for project ${JSON.stringify(project)}.\nSet \`external: true\` to use an existing network`
      : undefined;
  if (found.labels[LABEL.network] !== key) {
    const wrong = `network ${net.name} was found but has incorrect label ${LABEL.network} set to ${JSON.stringify(found.labels[LABEL.network] ?? '')} (expected: ${JSON.stringify(key)})`;
    throw new TscError('NETWORK_LABEL', foreign ? `${foreign}\n${wrong}` : wrong);
  }
  if (foreign) b.warnings.push(foreign);
  const hash = found.labels[LABEL.configHash];
  if (hash !== undefined && hash !== resourceConfigHash(net)) {
    throw new TscError('NETWORK_DIVERGED', `network ${net.name} exists but its configuration has changed in the compose file: run \`tscompose down\` to remove it (its containers too), then \`tscompose up\` to create it again`);
  }
}

function checkExistingVolume(b: PlanBuilder, project: string, key: string, vol: VolumeConfig, found: VolumeDetails): void {
  // Docker Compose's words (ensureVolume); a volume that is not this one's is used, with the warning.
  const owner = found.labels[LABEL.project];
  if (owner === undefined) {
    b.warnings.push(`volume ${JSON.stringify(vol.name)} already exists but was not created by Docker Compose. Use \`external: true\` to use an existing volume`);
    return;
  }
  if (owner !== project) {
    b.warnings.push(`volume ${JSON.stringify(vol.name)} already exists but was created for project ${JSON.stringify(owner)} (expected ${JSON.stringify(project)}). Use \`external: true\` to use an existing volume`);
    return;
  }
  if (found.labels[LABEL.volume] !== key) return; // another key of this project names the same volume: its hash is not this key's
  const hash = found.labels[LABEL.configHash];
  if (hash !== undefined && hash !== resourceConfigHash(vol)) {
    throw new TscError('VOLUME_DIVERGED', `volume "${vol.name}" exists but doesn't match configuration in compose file: remove it with \`tscompose down --volumes\` (data will be lost) or revert the change`);
  }
}
