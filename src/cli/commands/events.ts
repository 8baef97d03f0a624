// `tscompose events`: the project's container events as they happen, until Ctrl-C.
import type { Command } from 'commander';
import type { ContainerSummary } from '../../engine/types.js';
import { openEngine } from '../context.js';
import { diffContainers, formatEvent, formatEventJson } from '../format/container-events.js';
import { checkServices, listProjectContainers, resolveProject, serviceOf } from '../format/project-containers.js';
import type { GlobalOptions } from '../global-options.js';
import { sleepUnlessAborted } from '../../util/sleep.js';

/** How often the project's containers are listed and compared. */
const POLL_MS = 250;

export function registerEvents(program: Command): void {
  program
    .command('events')
    .description('Receive real time events from containers')
    .argument('[services...]', 'Services')
    .option('--json', 'Output events as a stream of json objects', false)
    .action(async (services: string[], opts: { json: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const project = resolveProject(globals);
      const engine = await openEngine(globals);
      const interrupt = new AbortController();
      const onSigint = () => interrupt.abort();
      process.once('SIGINT', onSigint);
      process.once('SIGTERM', onSigint);
      try {
        const list = async () => {
          const all = await listProjectContainers(engine, project.name, { all: true, oneoff: true });
          return new Map<string, ContainerSummary>(all.filter((c) => services.length === 0 || services.includes(serviceOf(c))).map((c) => [c.id, c]));
        };
        checkServices(project, services, await listProjectContainers(engine, project.name, { all: true }));
        let before = await list();
        while (!interrupt.signal.aborted) {
          await sleepUnlessAborted(POLL_MS, interrupt.signal);
          const after = await list();
          for (const e of diffContainers(before, after)) process.stdout.write(opts.json ? formatEventJson(e) : formatEvent(e));
          before = after;
        }
      } finally {
        process.removeListener('SIGINT', onSigint);
        process.removeListener('SIGTERM', onSigint);
        await engine.close();
      }
    });
}
