// `tscompose down`: stop and remove containers, networks, and with -v volumes.
import type { Command } from 'commander';
import { planDown } from '../../stack/plan-down.js';
import { TscError } from '../../util/errors.js';
import type { GlobalOptions } from '../global-options.js';
import { parseTimeout, runPlan, withStack } from '../progress/stack-command.js';

interface DownOptions {
  volumes: boolean;
  removeOrphans: boolean;
  rmi?: string;
  timeout?: string;
}

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('Stop and remove containers, networks')
    .option('-v, --volumes', 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers', false)
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file', false)
    .option('--rmi <type>', 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds')
    .action(async (opts: DownOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      if (opts.rmi !== undefined && opts.rmi !== 'local' && opts.rmi !== 'all') {
        throw new TscError('CLI_USAGE', `invalid --rmi option "${opts.rmi}": use local or all`);
      }
      const timeout = parseTimeout(opts.timeout);
      await withStack(globals, { command: 'down', projectOptional: true }, (ctx) =>
        runPlan(ctx, planDown(ctx.stack, ctx.observed, { volumes: opts.volumes, removeOrphans: opts.removeOrphans, rmi: opts.rmi as 'local' | 'all' | undefined, timeout })));
    });
}
