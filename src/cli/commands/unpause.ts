// `tscompose unpause`: thaw paused containers.
import type { Command } from 'commander';
import { planPause } from '../../stack/plan-lifecycle.js';
import type { GlobalOptions } from '../global-options.js';
import { runPlan, withStack } from '../progress/stack-command.js';

export function registerUnpause(program: Command): void {
  program
    .command('unpause')
    .description('Unpause services')
    .argument('[services...]', 'Services to unpause')
    .action(async (services: string[], _opts: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      await withStack(globals, { command: 'unpause', services, projectOptional: true }, (ctx) =>
        runPlan(ctx, planPause(ctx.stack?.project, ctx.observed, { services, unpause: true }), 'Unpausing'));
    });
}
