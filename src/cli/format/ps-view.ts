// `ps` rows: the table of Compose (`NAME IMAGE COMMAND SERVICE CREATED STATUS
// PORTS`) and its JSON lines (the docker CLI container context, keys sorted).
import type { ContainerDetails, ContainerSummary } from '../../engine/types.js';
import { LABEL } from '../../stack/labels.js';
import { commandText, displayablePorts, displayPortsOf, stateWord, statusText } from './container-text.js';
import { ellipsis, goQuote, goTimeString, shortId } from './go-text.js';
import { DOCKER_TABLE, renderTable } from './tabwriter.js';
import { humanDuration, humanSize } from './units.js';
import { compareStrings } from '../../util/compare.js';

export interface PsViewOptions {
  now: number;
  /** --no-trunc turns this off. */
  trunc?: boolean;
  timeZone?: string;
}

/** Column headers of `ps --format 'table {{.Field}}'` (docker CLI and Compose formatter names). */
export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Name: 'NAME', Names: 'NAMES', Project: 'PROJECT', Service: 'SERVICE', Image: 'IMAGE', Command: 'COMMAND',
  CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Size: 'SIZE', Labels: 'LABELS',
  Mounts: 'MOUNTS', LocalVolumes: 'LOCAL VOLUMES', Networks: 'NETWORKS', Publishers: 'PUBLISHERS', ExitCode: 'EXIT CODE', Health: 'HEALTH',
  RestartCount: 'RESTART COUNT',
};

export function renderPsTable(containers: ContainerSummary[], opts: PsViewOptions): string {
  const trunc = opts.trunc ?? true;
  return renderTable(['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'], containers.map((c) => [
    c.name,
    c.image,
    goQuote(trunc ? ellipsis(commandText(c.command), 20) : commandText(c.command)),
    c.labels[LABEL.service] ?? '',
    `${humanDuration(opts.now - Date.parse(c.created))} ago`,
    statusText(c.state, opts.now),
    displayablePorts(displayPortsOf(c.ports)),
  ]), DOCKER_TABLE);
}

/** One `ps --format json` object; `details` adds mounts and networks when known. */
export function psJsonObject(c: ContainerSummary, details: ContainerDetails | undefined, opts: PsViewOptions): Record<string, unknown> {
  const trunc = opts.trunc ?? true;
  const mounts = (details?.mounts ?? []).map((m) => (m.type === 'volume' ? m.source || m.resolvedSource || '' : m.resolvedSource ?? m.source ?? ''));
  const networks = Object.keys(details?.spec.networks ?? {}).sort();
  const labels = Object.keys(c.labels).sort().map((k) => `${k}=${c.labels[k]}`).join(',');
  const publishers = displayPortsOf(c.ports)
    .map((p) => ({ URL: p.ip, TargetPort: p.privatePort, PublishedPort: p.publicPort, Protocol: p.type }))
    .sort((a, b) => a.TargetPort - b.TargetPort || compareStrings(a.URL, b.URL) || compareStrings(a.Protocol, b.Protocol));
  return {
    Command: goQuote(trunc ? ellipsis(commandText(c.command), 20) : commandText(c.command)),
    CreatedAt: goTimeString(new Date(c.created), opts.timeZone),
    ExitCode: c.state.exitCode,
    Health: c.state.health?.status ?? '',
    ID: trunc ? shortId(c.id) : c.id,
    Image: c.image,
    Labels: labels,
    LocalVolumes: String((details?.mounts ?? []).filter((m) => m.type === 'volume').length),
    Mounts: mounts.map((m) => (trunc ? ellipsis(m, 15) : m)).join(','),
    Name: c.name,
    Names: c.name,
    Networks: networks.join(','),
    Ports: displayablePorts(displayPortsOf(c.ports)),
    Project: c.labels[LABEL.project] ?? '',
    Publishers: publishers,
    RestartCount: c.state.restartCount,
    RunningFor: `${humanDuration(opts.now - Date.parse(c.created))} ago`,
    Service: c.labels[LABEL.service] ?? '',
    Size: humanSize(0),
    State: stateWord(c.state),
    Status: statusText(c.state, opts.now),
  };
}
