// `tscompose wait`: blocks until the services' containers stop; exits with the last exit code.
import type { Command } from 'commander';
import { LABEL } from '../../stack/labels.js';
import { TscError } from '../../util/errors.js';
import { openEngine } from '../context.js';
import { checkServices, finish, listProjectContainers, resolveProject, serviceOf } from '../format/project-containers.js';
import type { GlobalOptions } from '../global-options.js';

export function registerWait(program: Command): void {
  program
    .command('wait')
    .description('Block until containers of all (or specified) services stop.')
    .argument('<services...>', 'Services')
    .option('--down-project', 'Drops project when the first container stops', false)
    .action(async (services: string[], opts: { downProject: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const project = resolveProject(globals);
      const engine = await openEngine(globals);
      let code = 0;
      try {
        const all = await listProjectContainers(engine, project.name, { all: true, oneoff: true });
        checkServices(project, services, all);
        const containers = all.filter((c) => services.includes(serviceOf(c)));
        if (containers.length === 0) throw new TscError('NO_CONTAINERS', `no containers for project "${project.name}"`);
        const controller = new AbortController();
        const waits = containers.map(async (c) => {
          const status = await engine.containers.wait(c.id, { signal: controller.signal });
          process.stdout.write(`container "${c.id}" exited with status code ${status}\n`);
          code = status;
        });
        if (opts.downProject) {
          await Promise.race(waits);
          controller.abort();
          await Promise.allSettled(waits);
          await downProject(engine, project.name);
        } else {
          await Promise.all(waits);
        }
      } catch (error) {
        await engine.close();
        throw error;
      }
      await finish(engine, code);
    });
}

/** What `down --remove-orphans` removes, done through the engine: containers, then the project's networks. */
async function downProject(engine: Awaited<ReturnType<typeof openEngine>>, project: string): Promise<void> {
  const containers = await listProjectContainers(engine, project, { all: true, oneoff: true });
  await Promise.all(containers.map(async (c) => {
    if (c.state.running) await engine.containers.stop(c.id);
    await engine.containers.remove(c.id, { force: true });
  }));
  for (const n of await engine.networks.list({ labels: { [LABEL.project]: project } })) await engine.networks.remove(n.name);
}
