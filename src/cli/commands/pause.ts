// `tscompose pause`: freeze the processes of running containers.
import type { Command } from 'commander';
import { planPause } from '../../stack/plan-lifecycle.js';
import type { GlobalOptions } from '../global-options.js';
import { runPlan, withStack } from '../progress/stack-command.js';

export function registerPause(program: Command): void {
  program
    .command('pause')
    .description('Pause services')
    .argument('[services...]', 'Services to pause')
    .action(async (services: string[], _opts: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      await withStack(globals, { command: 'pause', services, projectOptional: true }, (ctx) =>
        runPlan(ctx, planPause(ctx.stack?.project, ctx.observed, { services }), 'Pausing'));
    });
}
