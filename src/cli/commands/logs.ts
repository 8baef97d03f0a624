// `tscompose logs`: the project's container logs, merged in time order, with
// Compose's `web-1  | ` prefixes; stderr lines go to our stderr.
import type { Command } from 'commander';
import type { ContainerSummary, Engine, LogEntry } from '../../engine/types.js';
import { LABEL } from '../../stack/labels.js';
import { TscError } from '../../util/errors.js';
import { openEngine } from '../context.js';
import { mergeByTime } from '../format/log-merge.js';
import { formatLogTime, LogPrinter, useColor } from '../format/log-printer.js';
import { checkServices, listProjectContainers, parseIndex, resolveProject, shortName } from '../format/project-containers.js';
import type { GlobalOptions } from '../global-options.js';

interface LogsOptions {
  follow: boolean;
  tail: string;
  timestamps: boolean;
  since?: string;
  until?: string;
  logPrefix: boolean;
  color: boolean;
  index?: string;
}

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description('View output from containers')
    .argument('[services...]', 'Services')
    .option('-f, --follow', 'Follow log output', false)
    .option('-n, --tail <lines>', 'Number of lines to show from the end of the logs for each container', 'all')
    .option('-t, --timestamps', 'Show timestamps', false)
    .option('--since <time>', 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)')
    .option('--until <time>', 'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)')
    .option('--no-log-prefix', "Don't print prefix in logs")
    .option('--no-color', 'Produce monochrome output')
    .option('--index <index>', 'index of the container if service has multiple replicas')
    .action(async (services: string[], opts: LogsOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const project = resolveProject(globals);
      const engine = await openEngine(globals);
      try {
        let containers = await listProjectContainers(engine, project.name, { all: true, oneoff: true });
        checkServices(project, services, containers);
        if (services.length) containers = containers.filter((c) => services.includes(c.labels[LABEL.service] ?? ''));
        const index = parseIndex(opts.index);
        if (index !== undefined) containers = containers.filter((c) => c.labels[LABEL.containerNumber] === String(index));
        const printer = new LogPrinter({
          stdout: process.stdout,
          stderr: process.stderr,
          color: useColor({ ansi: globals.ansi, noColor: !opts.color, isTTY: process.stdout.isTTY }),
          prefix: opts.logPrefix,
          timestamps: opts.timestamps,
        });
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        await printLogs(engine, containers, printer, {
          follow: opts.follow,
          tail: parseTail(opts.tail),
          since: parseLogTime(opts.since, Date.now()),
          until: parseLogTime(opts.until, Date.now()),
          signal: controller.signal,
        });
      } finally {
        await engine.close();
      }
    });
}

export interface PrintLogsOptions {
  follow?: boolean;
  tail?: number;
  /** ISO 8601 times. */
  since?: string;
  until?: string;
  signal?: AbortSignal;
}

/** Streams every container's log through `printer`, merged by time; with `follow`, until all stop or the signal. */
export async function printLogs(engine: Engine, containers: ContainerSummary[], printer: LogPrinter, opts: PrintLogsOptions): Promise<void> {
  const names = containers.map(shortName);
  for (const name of names) printer.register(name);
  const since = opts.since && formatLogTime(opts.since);
  const until = opts.until && formatLogTime(opts.until);
  const sources = containers.map((c) => engine.containers.logs(c.id, { follow: opts.follow, tail: opts.tail, since: opts.since, until: opts.until, signal: opts.signal }));
  for await (const { index, entry } of mergeByTime<LogEntry>(sources, { signal: opts.signal })) {
    const time = formatLogTime(entry.time);
    if ((since && time < since) || (until && time > until)) continue;
    if (entry.stream === 'stderr') printer.err(names[index]!, entry.line, entry.time);
    else printer.out(names[index]!, entry.line, entry.time);
  }
}

export function parseTail(value: string): number | undefined {
  if (value === 'all' || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new TscError('CLI_USAGE', `invalid --tail "${value}": give a number of lines or "all"`);
  return n < 0 ? undefined : n;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Docker's --since/--until: an RFC 3339 time or date, a Unix timestamp
 * (`1700000000[.nnn]`), or a Go duration before now (`42m`, `1h30m`).
 */
export function parseLogTime(value: string | undefined, now: number): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) {
    const [sec, frac = ''] = value.split('.');
    return `${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}.${frac.padEnd(9, '0').slice(0, 9)}Z`;
  }
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length > 0 && parts.map((p) => p[0]).join('') === value) {
    const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
    return new Date(now - ms).toISOString();
  }
  // Without a zone the time is local, as in Docker.
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new TscError('CLI_USAGE', `invalid time "${value}": use RFC 3339 (2013-01-02T13:23:37Z), a Unix timestamp or a duration (42m)`);
  return /T\d{2}:\d{2}:\d{2}\.\d+(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? formatLogTime(value) : new Date(parsed).toISOString();
}
