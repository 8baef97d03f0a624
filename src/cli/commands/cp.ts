// `tscompose cp`: copies files between a service container and the host.
import type { Command } from 'commander';
import { TscError } from '../../util/errors.js';
import { openEngine } from '../context.js';
import { parseIndex, resolveProject, serviceContainer } from '../format/project-containers.js';
import type { GlobalOptions } from '../global-options.js';

interface CpOptions {
  index?: string;
  archive: boolean;
  followLink: boolean;
}

export function registerCp(program: Command): void {
  program
    .command('cp')
    .description('Copy files/folders between a service container and the local filesystem')
    .argument('<source>', 'SERVICE:SRC_PATH or SRC_PATH')
    .argument('<dest>', 'DEST_PATH or SERVICE:DEST_PATH')
    .option('--index <index>', 'Index of the container if service has multiple replicas')
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)', false)
    .option('-L, --follow-link', 'Always follow symbol link in SRC_PATH', false)
    .action(async (source: string, dest: string, opts: CpOptions, cmd: Command) => {
      const from = splitServicePath(source);
      const to = splitServicePath(dest);
      if (from.service && to.service) throw new TscError('CLI_USAGE', 'copying between services is not supported: copy to the host first');
      if (!from.service && !to.service) throw new TscError('CLI_USAGE', 'must specify at least one container source, as SERVICE:PATH');
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const project = resolveProject(globals);
      const engine = await openEngine(globals);
      try {
        const service = (from.service ?? to.service)!;
        const container = await serviceContainer(engine, project, service, { index: parseIndex(opts.index), all: true });
        const copy = { archive: opts.archive, followLink: opts.followLink };
        if (from.service) await engine.containers.copyFrom(container.id, from.path, to.path, copy);
        else await engine.containers.copyTo(container.id, from.path, to.path, copy);
      } finally {
        await engine.close();
      }
    });
}

/** `web:/etc/hosts` → service web, path /etc/hosts; a path with `/` before any `:` is a host path (as Docker). */
export function splitServicePath(arg: string): { service?: string; path: string } {
  const colon = arg.indexOf(':');
  if (colon <= 0 || arg.startsWith('/') || arg.startsWith('.') || arg.slice(0, colon).includes('/')) return { path: arg };
  return { service: arg.slice(0, colon), path: arg.slice(colon + 1) };
}
