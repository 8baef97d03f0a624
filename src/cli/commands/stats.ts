// `tscompose stats`: live resource use of the project's containers, read from
// their cgroups; `--no-stream` prints one reading, `--format` as docker stats.
import type { Command } from 'commander';
import type { ContainerStatsSample, ContainerSummary, Engine } from '../../engine/types.js';
import { TscError } from '../../util/errors.js';
import { openEngine } from '../context.js';
import { checkServices, listProjectContainers, resolveProject, serviceOf } from '../format/project-containers.js';
import { renderStats, statsRow } from '../format/stats-view.js';
import type { GlobalOptions } from '../global-options.js';
import { sleepUnlessAborted } from '../../util/sleep.js';

interface StatsOptions {
  all: boolean;
  format: string;
  stream: boolean;
  noTrunc: boolean;
}

/** Between the two readings CPU % is computed from. */
const INTERVAL_MS = 1000;

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('Display a live stream of container(s) resource usage statistics')
    .argument('[services...]', 'Services')
    .option('-a, --all', 'Show all containers (default shows just running)', false)
    .option('--format <format>', 'Format output using a custom template: \'table\', \'table TEMPLATE\', \'json\' or a TEMPLATE', 'table')
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--no-trunc', 'Do not truncate output')
    .action(async (services: string[], opts: StatsOptions, cmd: Command) => {
      await runStats(services, opts, cmd.optsWithGlobals() as GlobalOptions);
    });
}

async function runStats(services: string[], opts: StatsOptions, globals: GlobalOptions): Promise<void> {
  const project = resolveProject(globals);
  const engine = await openEngine(globals);
  if (!engine.containers.stats) throw new TscError('UNSUPPORTED', `the ${engine.name} engine does not report statistics`);
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    const all = await listProjectContainers(engine, project.name, { all: true });
    checkServices(project, services, all);
    const chosen = () => listProjectContainers(engine, project.name, { all: opts.all })
      .then((list) => list.filter((c) => services.length === 0 || services.includes(serviceOf(c))));
    let before = await sample(engine, await chosen());
    for (;;) {
      await sleepUnlessAborted(INTERVAL_MS, interrupt.signal);
      if (interrupt.signal.aborted) return;
      const containers = await chosen();
      const after = await sample(engine, containers);
      const rows = containers.map((c) => {
        const a = after.get(c.id);
        const b = before.get(c.id) ?? a;
        return a && b ? statsRow(c.id, c.name, b, a, opts.noTrunc) : emptyRow(c);
      });
      const text = renderStats(rows, opts.format);
      process.stdout.write(opts.stream && process.stdout.isTTY ? `\x1b[2J\x1b[H${text}` : text);
      if (!opts.stream) return;
      before = after;
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    await engine.close();
  }
}

async function sample(engine: Engine, containers: ContainerSummary[]): Promise<Map<string, ContainerStatsSample>> {
  const out = new Map<string, ContainerStatsSample>();
  await Promise.all(containers.filter((c) => c.state.running).map(async (c) => {
    try {
      out.set(c.id, await engine.containers.stats!(c.id));
    } catch (error) {
      // Stopped between the listing and the reading: shown with zeros, as docker stats does.
      if (!(error instanceof TscError && error.code === 'CONTAINER_NOT_RUNNING')) throw error;
    }
  }));
  return out;
}

function emptyRow(c: ContainerSummary) {
  return { ID: c.id.slice(0, 12), Container: c.name, Name: c.name, CPUPerc: '0.00%', MemUsage: '0B / 0B', MemPerc: '0.00%', NetIO: '0B / 0B', BlockIO: '0B / 0B', PIDs: '0' };
}

