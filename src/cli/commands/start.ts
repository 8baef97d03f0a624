// `tscompose start`: start the existing containers of services.
import type { Command } from 'commander';
import { planStart } from '../../stack/plan-lifecycle.js';
import type { GlobalOptions } from '../global-options.js';
import { lockedObserve, runPlan, withEngine } from '../progress/stack-command.js';
import { parseWaitTimeout, waitForStack } from '../progress/wait-stack.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('Start services')
    .argument('[services...]', 'Services to start')
    .option('--wait', 'Wait for services to be running|healthy. Implies detached mode.', false)
    .option('--wait-timeout <seconds>', 'Maximum duration in seconds to wait for the project to be running|healthy')
    .action(async (services: string[], flags: { wait: boolean; waitTimeout?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const waitTimeout = parseWaitTimeout(flags.waitTimeout);
      await withEngine(globals, { command: 'start', services, projectOptional: true }, async (open) => {
        await lockedObserve(open, 'start', (ctx) => runPlan(ctx, planStart(ctx.stack?.project, ctx.observed, { services })));
        if (flags.wait) await waitForStack(open, services, waitTimeout);
      });
    });
}
