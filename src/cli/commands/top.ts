// `tscompose top`: the processes of each running container, under its name.
import type { Command } from 'commander';
import { openEngine } from '../context.js';
import { checkServices, listProjectContainers, resolveProject, serviceOf } from '../format/project-containers.js';
import { COMPOSE_SECTION, tabwrite } from '../format/tabwriter.js';
import type { GlobalOptions } from '../global-options.js';

export function registerTop(program: Command): void {
  program
    .command('top')
    .description('Display the running processes')
    .argument('[services...]', 'Services')
    .action(async (services: string[], _opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const project = resolveProject(globals);
      const engine = await openEngine(globals);
      try {
        const all = await listProjectContainers(engine, project.name, { all: true, oneoff: true });
        checkServices(project, services, all);
        const running = all.filter((c) => c.state.running && (!services.length || services.includes(serviceOf(c))));
        let out = '';
        for (const c of running) out += renderTop(c.name, await engine.containers.top(c.id));
        process.stdout.write(out);
      } finally {
        await engine.close();
      }
    });
}

/** Compose's layout: the container's name, then its `ps` table, then an empty line. */
export function renderTop(name: string, top: { titles: string[]; processes: string[][] }): string {
  const table = `${top.titles.join('\t')}\n${top.processes.map((p) => `${p.map((cell) => `${cell}\t`).join('')}\n`).join('')}\n`;
  return `${name}\n${tabwrite(table, COMPOSE_SECTION)}`;
}
