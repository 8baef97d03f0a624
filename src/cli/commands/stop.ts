// `tscompose stop`: stop running containers, dependents first.
import type { Command } from 'commander';
import { planStop } from '../../stack/plan-lifecycle.js';
import type { GlobalOptions } from '../global-options.js';
import { parseTimeout, runPlan, withStack } from '../progress/stack-command.js';

export function registerStop(program: Command): void {
  program
    .command('stop')
    .description('Stop services')
    .argument('[services...]', 'Services to stop')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds')
    .action(async (services: string[], opts: { timeout?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const timeout = parseTimeout(opts.timeout);
      await withStack(globals, { command: 'stop', services, projectOptional: true }, (ctx) =>
        runPlan(ctx, planStop(ctx.stack?.project, ctx.observed, { services, timeout }), 'Stopping'));
    });
}
