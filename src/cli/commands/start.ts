// `tscompose start`: start the existing containers of services.
import type { Command } from 'commander';
import { planStart } from '../../stack/plan-lifecycle.js';
import type { GlobalOptions } from '../global-options.js';
import { runPlan, withStack } from '../progress/stack-command.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('Start services')
    .argument('[services...]', 'Services to start')
    .action(async (services: string[], _opts: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      await withStack(globals, { command: 'start', services, projectOptional: true }, (ctx) =>
        runPlan(ctx, planStart(ctx.stack?.project, ctx.observed, { services })));
    });
}
