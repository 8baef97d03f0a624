// `tscompose images`: the images the project's containers use.
import type { Command } from 'commander';
import { LABEL } from '../../stack/labels.js';
import { TscError } from '../../util/errors.js';
import { openEngine } from '../context.js';
import { shortId } from '../format/go-text.js';
import { splitRepoTag } from '../format/image-view.js';
import { checkServices, listProjectContainers, resolveProject } from '../format/project-containers.js';
import { COMPOSE_SECTION, renderTable } from '../format/tabwriter.js';
import { humanSize } from '../format/units.js';
import type { GlobalOptions } from '../global-options.js';

interface ImagesOptions {
  quiet: boolean;
  format: string;
}

export function registerImages(program: Command): void {
  program
    .command('images')
    .description('List images used by the created containers')
    .argument('[services...]', 'Services')
    .option('-q, --quiet', 'Only display IDs', false)
    .option('--format <format>', 'Format the output. Values: [table | json]', 'table')
    .action(async (services: string[], opts: ImagesOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const project = resolveProject(globals);
      const engine = await openEngine(globals);
      try {
        const containers = await listProjectContainers(engine, project.name, { all: true, oneoff: true });
        checkServices(project, services, containers);
        const rows = [];
        for (const c of containers) {
          if (services.length && !services.includes(c.labels[LABEL.service] ?? '')) continue;
          const image = await engine.images.inspect(c.imageId || c.image);
          const [repository, tag] = splitRepoTag(image?.repoTags.find((t) => splitRepoTag(t)[0] === splitRepoTag(c.image)[0]) ?? image?.repoTags[0] ?? c.image);
          rows.push({ container: c.name, repository, tag, id: image?.id ?? c.imageId, size: image?.size ?? 0 });
        }
        if (opts.quiet) {
          process.stdout.write([...new Set(rows.map((r) => r.id.replace(/^sha256:/, '')))].map((id) => `${id}\n`).join(''));
        } else if (opts.format === 'json') {
          process.stdout.write(`${JSON.stringify(rows.map((r) => ({ ID: r.id, ContainerName: r.container, Repository: r.repository, Tag: r.tag, Size: r.size })))}\n`);
        } else if (opts.format === 'table' || opts.format === 'pretty') {
          process.stdout.write(renderTable(['CONTAINER', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'],
            rows.map((r) => [r.container, r.repository, r.tag, shortId(r.id), humanSize(r.size)]), COMPOSE_SECTION));
        } else {
          throw new TscError('CLI_USAGE', `format value "${opts.format}" could not be parsed: use table or json`);
        }
      } finally {
        await engine.close();
      }
    });
}
