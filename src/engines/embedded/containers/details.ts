// Container records as the engine interface shows them.
import type { ContainerDetails, ContainerSpec, ContainerState, ContainerSummary } from '../../../engine/types.js';
import { appArmorEnabled, DEFAULT_APPARMOR_PROFILE } from '../runtime/apparmor.js';
import type { ContainerRecord } from '../state/containers.js';
import { configExtra, stateExtra } from './layout.js';

export function toSummary(record: ContainerRecord): ContainerSummary {
  const { config } = record;
  const extra = configExtra(config.extra);
  const { phase: _phase, owner: _owner, extra: _extra, ...state } = record.state;
  return {
    id: config.id,
    name: config.name,
    image: config.spec.image,
    imageId: extra.imageId,
    labels: { ...config.spec.labels },
    created: config.created,
    state: state as ContainerState,
    ports: portsOf(record),
    command: [extra.path, ...extra.args],
  };
}

const ACTIVE = new Set(['running', 'paused', 'restarting']);

/** As Docker: a running container's ports as published (random host ports resolved); none once it stopped. */
function portsOf(record: ContainerRecord): ContainerSummary['ports'] {
  if (!ACTIVE.has(record.state.status)) return [];
  const network = stateExtra(record.state.extra).network;
  return network ? network.ports.map((p) => ({ ...p })) : [...(record.config.spec.ports ?? [])];
}

export function toDetails(record: ContainerRecord, logPath: string, volumeDir: (name: string) => string): ContainerDetails {
  const extra = configExtra(record.config.extra);
  return {
    ...toSummary(record),
    spec: record.config.spec,
    path: extra.path,
    args: [...extra.args],
    logPath,
    network: networkOf(record),
    ...appArmorOf(record.config.spec),
    mounts: extra.mounts.map((m) => ({ ...m, resolvedSource: m.type === 'volume' ? volumeDir(m.source) : m.type === 'bind' ? m.source : undefined })),
  };
}

function networkOf(record: ContainerRecord): ContainerDetails['network'] {
  const network = ACTIVE.has(record.state.status) ? stateExtra(record.state.extra).network : undefined;
  if (!network) return { networks: {} };
  return { ...(network.sandboxKey ? { sandboxKey: network.sandboxKey } : {}), networks: structuredClone(network.networks) };
}

/** As Docker reports it: nothing where the host has no AppArmor, `unconfined` for a privileged container. */
function appArmorOf(spec: ContainerSpec): { appArmorProfile?: string } {
  if (!appArmorEnabled()) return {};
  const named = spec.securityOpt?.map((o) => /^apparmor[=:](.*)$/.exec(o.trim())?.[1]).find((v) => v !== undefined);
  return { appArmorProfile: named ?? (spec.privileged ? 'unconfined' : DEFAULT_APPARMOR_PROFILE) };
}
