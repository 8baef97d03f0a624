// `tscompose restart`: restart containers (and those of their dependencies unless --no-deps).
import type { Command } from 'commander';
import { planRestart } from '../../stack/plan-lifecycle.js';
import type { GlobalOptions } from '../global-options.js';
import { parseTimeout, runPlan, withStack } from '../progress/stack-command.js';

export function registerRestart(program: Command): void {
  program
    .command('restart')
    .description('Restart service containers')
    .argument('[services...]', 'Services to restart')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds')
    .option('--no-deps', 'Don\'t restart dependent services')
    .action(async (services: string[], opts: { timeout?: string; deps: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const timeout = parseTimeout(opts.timeout);
      await withStack(globals, { command: 'restart', services, projectOptional: true }, (ctx) =>
        runPlan(ctx, planRestart(ctx.stack?.project, ctx.observed, { services, timeout, noDeps: !opts.deps }), 'Restarting'));
    });
}
