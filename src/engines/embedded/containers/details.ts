// Container records as the engine interface shows them.
import type { ContainerDetails, ContainerState, ContainerSummary } from '../../../engine/types.js';
import type { ContainerRecord } from '../state/containers.js';
import { configExtra } from './layout.js';

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
    ports: [...(config.spec.ports ?? [])],
    command: [extra.path, ...extra.args],
  };
}

export function toDetails(record: ContainerRecord, logPath: string, volumeDir: (name: string) => string): ContainerDetails {
  const extra = configExtra(record.config.extra);
  return {
    ...toSummary(record),
    spec: record.config.spec,
    path: extra.path,
    args: [...extra.args],
    logPath,
    mounts: extra.mounts.map((m) => ({ ...m, resolvedSource: m.type === 'volume' ? volumeDir(m.source) : m.type === 'bind' ? m.source : undefined })),
  };
}
