// `tscompose ls`: the Compose projects found by the labels of their containers.
import type { Command } from 'commander';
import type { ContainerSummary } from '../../engine/types.js';
import { LABEL } from '../../stack/labels.js';
import { TscError } from '../../util/errors.js';
import { openEngine } from '../context.js';
import { stateWord } from '../format/container-text.js';
import { COMPOSE_SECTION, renderTable } from '../format/tabwriter.js';
import type { GlobalOptions } from '../global-options.js';

interface LsOptions {
  all: boolean;
  quiet: boolean;
  format: string;
  filter: string[];
}

export interface ProjectView {
  Name: string;
  Status: string;
  ConfigFiles: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerLs(program: Command): void {
  program
    .command('ls')
    .description('List running compose projects')
    .option('-a, --all', 'Show all stopped Compose projects', false)
    .option('-q, --quiet', 'Only display project names', false)
    .option('--format <format>', 'Format the output. Values: [table | json]', 'table')
    .option('--filter <filter>', 'Filter output based on conditions provided', collect, [])
    .action(async (opts: LsOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const engine = await openEngine(globals);
      try {
        const list = await engine.containers.list({ all: opts.all, labels: { [LABEL.project]: undefined } });
        process.stdout.write(renderProjects(listProjects(list), opts));
      } finally {
        await engine.close();
      }
    });
}

/** Projects with the combined status of their containers: `exited(1), running(2)`. */
export function listProjects(containers: ContainerSummary[]): ProjectView[] {
  const byProject = new Map<string, ContainerSummary[]>();
  for (const c of containers) {
    const name = c.labels[LABEL.project];
    if (name) byProject.set(name, [...(byProject.get(name) ?? []), c]);
  }
  return [...byProject.keys()].sort().map((name) => {
    const list = byProject.get(name)!;
    return { Name: name, Status: combinedStatus(list.map((c) => stateWord(c.state))), ConfigFiles: list[0]!.labels[LABEL.configFiles] ?? '' };
  });
}

export function combinedStatus(statuses: string[]): string {
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.keys()].sort().map((s) => `${s}(${counts.get(s)})`).join(', ');
}

export function renderProjects(projects: ProjectView[], opts: Pick<LsOptions, 'quiet' | 'format' | 'filter'>): string {
  const names: string[] = [];
  for (const f of opts.filter) {
    const [key, value] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
    if (!f.includes('=') || key !== 'name') throw new TscError('CLI_USAGE', `invalid filter "${f}": only name=<name> is supported`);
    names.push(value);
  }
  // Docker's filters.Match: each value is a regular expression searched in the name.
  const matches = (name: string, pattern: string) => {
    try {
      return new RegExp(pattern).test(name);
    } catch {
      return name.includes(pattern);
    }
  };
  const shown = names.length ? projects.filter((p) => names.some((n) => matches(p.Name, n))) : projects;
  if (opts.quiet) return shown.map((p) => `${p.Name}\n`).join('');
  const format = opts.format.toLowerCase();
  if (format === 'json') return `${JSON.stringify(shown)}\n`;
  if (format !== 'table' && format !== 'pretty') throw new TscError('CLI_USAGE', `format value "${opts.format}" could not be parsed: use table or json`);
  return renderTable(['NAME', 'STATUS', 'CONFIG FILES'], shown.map((p) => [p.Name, p.Status, p.ConfigFiles]), COMPOSE_SECTION);
}
