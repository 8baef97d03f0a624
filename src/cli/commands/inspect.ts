// `tscompose inspect SERVICE`: the service container as `docker inspect` prints it.
import type { Command } from 'commander';
import { openEngine } from '../context.js';
import { containerInspectObject } from '../format/container-inspect.js';
import { goJson } from '../format/image-view.js';
import { parseIndex, resolveProject, serviceContainer } from '../format/project-containers.js';
import type { GlobalOptions } from '../global-options.js';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description("Display a service container's configuration and state, as docker inspect does")
    .argument('<service>', 'Service')
    .option('--index <index>', 'Index of the container if service has multiple replicas')
    .action(async (service: string, opts: { index?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const project = resolveProject(globals);
      const engine = await openEngine(globals);
      try {
        const summary = await serviceContainer(engine, project, service, { index: parseIndex(opts.index), all: true });
        const details = await engine.containers.inspect(summary.id);
        if (!details) throw new Error(`container ${summary.id} vanished while inspecting it`);
        const image = await engine.images.inspect(details.imageId || details.image).catch(() => undefined);
        process.stdout.write(`${goJson([containerInspectObject(details, image)], 4)}\n`);
      } finally {
        await engine.close();
      }
    });
}
