// `tscompose watch`: start the stack (unless --no-up), then sync, restart or
// rebuild services as their files change, and converge the stack when the
// Compose files change. Ctrl-C stops watching and leaves the stack running.
import type { Command } from 'commander';
import { planUp } from '../../stack/plan-up.js';
import { ExitCodeError, TscError } from '../../util/errors.js';
import type { GlobalOptions } from '../global-options.js';
import { lockedObserve, runPlan, withEngine } from '../progress/stack-command.js';
import { checkWatchConfigured, startStackWatch } from '../progress/watch-stack.js';

interface WatchFlags {
  up: boolean;
  prune: boolean;
  quiet: boolean;
}

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description('Watch build context for service and rebuild/refresh containers when files are updated')
    .argument('[services...]', 'Services to watch (all by default)')
    .option('--no-up', 'Do not build & start services before watching')
    .option('--prune', 'Prune dangling images on rebuild', false)
    .option('--quiet', 'hide build output', false)
    .action(async (services: string[], flags: WatchFlags, cmd: Command) => {
      await runWatch(services, flags, cmd.optsWithGlobals() as GlobalOptions);
    });
}

async function runWatch(services: string[], flags: WatchFlags, globals: GlobalOptions): Promise<void> {
  if (globals.dryRun) throw new TscError('CLI_USAGE', 'watch cannot run with --dry-run: use `tscompose --dry-run up` to see what starting the stack would do');
  await withEngine(globals, { command: 'watch', services }, async (open) => {
    const upOptions = { services };
    checkWatchConfigured(open.stack!, services);
    if (flags.up) await lockedObserve(open, 'up', async (ctx) => { await runPlan(ctx, planUp(open.stack!, ctx.observed, upOptions)); });
    const session = await startStackWatch(open, { services, upOptions, quiet: flags.quiet, prune: flags.prune });
    await untilInterrupted(session.ready);
    await session.close();
    process.stdout.write('⦿ Watch disabled\n');
    throw new ExitCodeError(130);
  });
}

/** Resolves on the first SIGINT or SIGTERM (once `ready`); rejects if `ready` does. */
export async function untilInterrupted(ready: Promise<void>): Promise<void> {
  let onSignal!: () => void;
  const interrupted = new Promise<void>((resolve) => { onSignal = resolve; });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await ready;
    await interrupted;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
