// `tscompose rm`: remove stopped service containers (asks first on a terminal unless -f).
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { planRemove } from '../../stack/plan-lifecycle.js';
import type { GlobalOptions } from '../global-options.js';
import { parseTimeout, runPlan, withStack } from '../progress/stack-command.js';

interface RmOptions {
  force: boolean;
  stop: boolean;
  volumes: boolean;
}

export function registerRm(program: Command): void {
  program
    .command('rm')
    .description('Removes stopped service containers')
    .argument('[services...]', 'Services whose containers to remove')
    .option('-f, --force', 'Don\'t ask to confirm removal', false)
    .option('-s, --stop', 'Stop the containers, if required, before removing', false)
    .option('-v, --volumes', 'Remove any anonymous volumes attached to containers', false)
    .action(async (services: string[], opts: RmOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      await withStack(globals, { command: 'rm', services, projectOptional: true }, async (ctx) => {
        const plan = planRemove(ctx.stack?.project, ctx.observed, { services, stop: opts.stop, volumes: opts.volumes, timeout: parseTimeout(undefined) });
        if (plan.steps.length === 0) {
          process.stderr.write('No stopped containers\n');
          return;
        }
        if (!opts.force && !globals.dryRun && process.stdin.isTTY) {
          const names = plan.steps.map((s) => s.name).join(', ');
          if (!(await confirm(`Going to remove ${names}\n? Are you sure? [yN] `))) return;
        }
        await runPlan(ctx, plan, 'Removing');
      });
    });
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
