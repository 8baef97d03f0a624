// `tscompose create`: create the stack's containers without starting them.
import type { Command } from 'commander';
import { planUp } from '../../stack/plan-up.js';
import type { GlobalOptions } from '../global-options.js';
import { lockedObserve, runPlan, withEngine } from '../progress/stack-command.js';
import { prepareServiceImages } from '../progress/build-images.js';
import { addCreateFlags, upPlanOptions } from './up.js';
import type { CreateFlags } from './up.js';

export function registerCreate(program: Command): void {
  addCreateFlags(program
    .command('create')
    .description('Creates containers for a service')
    .argument('[services...]', 'Services to create (and their dependencies)'))
    .action(async (services: string[], flags: CreateFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const opts = upPlanOptions(services, flags, { noStart: true });
      await withEngine(globals, { command: 'create', services }, async (open) => {
        opts.imageIds = await prepareServiceImages(open, services, flags.build);
        await lockedObserve(open, 'create', (ctx) => runPlan(ctx, planUp(ctx.stack!, ctx.observed, opts)));
      });
    });
}
