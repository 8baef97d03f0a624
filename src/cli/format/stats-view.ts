// `stats` rows as the docker CLI computes and prints them (cli/command/container
// stats_helpers.go and formatter_stats.go): CPU % from two readings, memory in
// binary units, network and block I/O in decimal ones.
import type { ContainerStatsSample } from '../../engine/types.js';
import { renderFieldTemplate } from './field-template.js';
import { shortId } from './go-text.js';
import { renderTable } from './tabwriter.js';
import { formatG, humanSize } from './units.js';

export interface StatsRow {
  ID: string;
  Container: string;
  Name: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
}

const HEADERS: Record<keyof StatsRow, string> = {
  ID: 'CONTAINER ID', Container: 'CONTAINER', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};
const DEFAULT_COLUMNS: Array<keyof StatsRow> = ['ID', 'Name', 'CPUPerc', 'MemUsage', 'MemPerc', 'NetIO', 'BlockIO', 'PIDs'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** go-units BytesSize: binary units, `%.4g`. */
export function bytesSize(bytes: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < BINARY_UNITS.length - 1) {
    size /= 1024;
    i++;
  }
  return `${formatG(size, 4)}${BINARY_UNITS[i]}`;
}

export function statsRow(id: string, name: string, before: ContainerStatsSample, after: ContainerStatsSample, noTrunc = false): StatsRow {
  const cpuDelta = after.cpuNanos - before.cpuNanos;
  const systemDelta = after.systemNanos - before.systemNanos;
  const cpu = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * after.onlineCpus * 100 : 0;
  const mem = after.memoryLimit > 0 ? (after.memoryUsage / after.memoryLimit) * 100 : 0;
  return {
    ID: noTrunc ? id : shortId(id),
    Container: name,
    Name: name,
    CPUPerc: `${cpu.toFixed(2)}%`,
    MemUsage: `${bytesSize(after.memoryUsage)} / ${bytesSize(after.memoryLimit)}`,
    MemPerc: `${mem.toFixed(2)}%`,
    NetIO: `${humanSize(after.netRx)} / ${humanSize(after.netTx)}`,
    BlockIO: `${humanSize(after.blockRead)} / ${humanSize(after.blockWrite)}`,
    PIDs: String(after.pids),
  };
}

/** `table` (default), `json` (one object a line) or a template of `{{.Field}}` (a `table ` prefix adds headers). */
export function renderStats(rows: StatsRow[], format: string): string {
  if (format === 'json') return rows.map((r) => `${JSON.stringify(sortKeys(r))}\n`).join('');
  if (format === '' || format === 'table') {
    return renderTable(DEFAULT_COLUMNS.map((c) => HEADERS[c]), rows.map((r) => DEFAULT_COLUMNS.map((c) => r[c])));
  }
  return renderFieldTemplate(rows.map((r) => ({ ...r })), format, HEADERS, 'stats');
}

function sortKeys(row: StatsRow): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(row).sort()) out[k] = row[k as keyof StatsRow];
  return out;
}
