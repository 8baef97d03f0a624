// `tscompose kill`: send a signal (SIGKILL by default) to running containers.
import type { Command } from 'commander';
import { planKill } from '../../stack/plan-lifecycle.js';
import type { GlobalOptions } from '../global-options.js';
import { runPlan, withStack } from '../progress/stack-command.js';

export function registerKill(program: Command): void {
  program
    .command('kill')
    .description('Force stop service containers')
    .argument('[services...]', 'Services to kill')
    .option('-s, --signal <signal>', 'SIGNAL to send to the container', 'SIGKILL')
    .action(async (services: string[], opts: { signal: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      await withStack(globals, { command: 'kill', services, projectOptional: true }, (ctx) =>
        runPlan(ctx, planKill(ctx.stack?.project, ctx.observed, { services, signal: opts.signal }), 'Killing'));
    });
}
