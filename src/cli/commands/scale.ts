// `tscompose scale SERVICE=REPLICAS...`: as Docker Compose's scale, create
// (or remove) containers until each named service has that many, and start them.
import type { Command } from 'commander';
import { planUp } from '../../stack/plan-up.js';
import { TscError } from '../../util/errors.js';
import type { GlobalOptions } from '../global-options.js';
import { runPlan, withStack } from '../progress/stack-command.js';
import { parseScale } from './up.js';

export function registerScale(program: Command): void {
  program
    .command('scale')
    .description('Scale services')
    .argument('<service=replicas...>', 'Services and the number of containers each should have')
    .option('--no-deps', 'Don\'t start linked services')
    .action(async (pairs: string[], flags: { deps: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      for (const p of pairs) {
        if (!/^[^=]+=\d+$/.test(p)) throw new TscError('CLI_USAGE', `invalid scale specifier "${p}": expected SERVICE=REPLICAS`);
      }
      const scale = parseScale(pairs);
      const services = Object.keys(scale);
      await withStack(globals, { command: 'scale', services }, (ctx) =>
        runPlan(ctx, planUp(ctx.stack!, ctx.observed, { services, scale, noDeps: !flags.deps, noRecreate: true })));
    });
}
