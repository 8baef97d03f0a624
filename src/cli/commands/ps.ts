// `tscompose ps`: the project's containers, as `docker compose ps` lists them.
import type { Command } from 'commander';
import type { ContainerStatus } from '../../engine/types.js';
import { LABEL } from '../../stack/labels.js';
import { TscError } from '../../util/errors.js';
import { openEngine } from '../context.js';
import { stateWord } from '../format/container-text.js';
import { checkServices, listProjectContainers, resolveProject, serviceOf } from '../format/project-containers.js';
import { renderFieldTemplate } from '../format/field-template.js';
import { PS_HEADERS, psJsonObject, renderPsTable } from '../format/ps-view.js';
import type { GlobalOptions } from '../global-options.js';

interface PsOptions {
  all: boolean;
  quiet: boolean;
  services: boolean;
  format: string;
  status: string[];
  filter?: string;
  trunc: boolean;
}

const STATUSES: readonly string[] = ['paused', 'restarting', 'removing', 'running', 'dead', 'created', 'exited', 'damaged'] satisfies ContainerStatus[];
const collect = (value: string, previous: string[]) => [...previous, value];

export function registerPs(program: Command): void {
  program
    .command('ps')
    .description('List containers')
    .argument('[services...]', 'Services to list')
    .option('-a, --all', 'Show all stopped containers (including those created by the run command)', false)
    .option('-q, --quiet', 'Only display IDs', false)
    .option('--services', 'Display services', false)
    .option('--format <format>', 'Format output using a custom template: \'table\', \'table TEMPLATE\', \'json\' or a TEMPLATE', 'table')
    .option('--status <status>', 'Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited | damaged]', collect, [])
    .option('--filter <filter>', 'Filter services by a property (supported filters: status)')
    .option('--no-trunc', "Don't truncate output")
    .action(async (services: string[], opts: PsOptions, cmd: Command) => {
      process.stdout.write(await runPs(services, opts, cmd.optsWithGlobals() as GlobalOptions));
    });
}

export async function runPs(services: string[], opts: PsOptions, globals: GlobalOptions): Promise<string> {
  const statuses = [...opts.status, ...parseFilter(opts.filter)];
  for (const s of statuses) {
    if (!STATUSES.includes(s)) throw new TscError('CLI_USAGE', `invalid status "${s}": use one of ${STATUSES.join(', ')}`);
  }
  const template = opts.format.includes('{{');
  const format = template ? opts.format : opts.format.toLowerCase();
  if (!template && !['table', 'pretty', 'json'].includes(format)) {
    throw new TscError('CLI_USAGE', `format value "${opts.format}" could not be parsed: use table, json or a template such as '{{.Name}}'`);
  }
  const project = resolveProject(globals);
  const engine = await openEngine(globals);
  try {
    const all = await listProjectContainers(engine, project.name, { all: true, oneoff: true });
    checkServices(project, services, all);
    // Without -a: running containers only (and a filter on status shows what it asks for, stopped too).
    let containers = all.filter((c) => (opts.all || statuses.length > 0 || c.state.running) && (!services.length || services.includes(serviceOf(c))));
    if (!opts.all) containers = containers.filter((c) => c.labels[LABEL.oneoff] !== 'True' || c.state.running);
    if (statuses.length) containers = containers.filter((c) => statuses.includes(stateWord(c.state)));

    if (opts.quiet) return containers.map((c) => `${c.id}\n`).join('');
    if (opts.services) return [...new Set(containers.map(serviceOf))].map((s) => `${s}\n`).join('');
    const view = { now: Date.now(), trunc: opts.trunc };
    if (format === 'json' || template) {
      const rows = [];
      for (const c of containers) rows.push(psJsonObject(c, await engine.containers.inspect(c.id), view));
      return template ? renderFieldTemplate(rows, format, PS_HEADERS, 'api.ContainerSummary') : rows.map((r) => `${JSON.stringify(r)}\n`).join('');
    }
    return renderPsTable(containers, view);
  } finally {
    await engine.close();
  }
}

function parseFilter(filter: string | undefined): string[] {
  if (!filter) return [];
  const eq = filter.indexOf('=');
  if (eq < 0) throw new TscError('CLI_USAGE', 'arguments to --filter should be in form KEY=VAL');
  const key = filter.slice(0, eq);
  if (key !== 'status') throw new TscError('CLI_USAGE', `unknown filter ${key}: only status=<status> is supported`);
  return [filter.slice(eq + 1)];
}
