// `tscompose system boot`: run once at host start (a systemd oneshot unit,
// see the README) to bring back the containers whose restart policy says so.
import type { Command } from 'commander';
import { bootStateRoot } from '../../engines/embedded/boot.js';
import { resolveStateRoot } from '../../engines/embedded/state/root.js';
import { TscError } from '../../util/errors.js';
import type { GlobalOptions } from '../global-options.js';

export function registerSystemBoot(system: Command): void {
  system.command('boot')
    .description('Start the containers whose restart policy says so (always, unless-stopped), after a host reboot')
    .action(async (_opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const kind = globals.engine ?? process.env.TSCOMPOSE_ENGINE ?? 'embedded';
      if (kind !== 'embedded') throw new TscError('ENGINE_UNSUPPORTED', `system boot is for the embedded engine; with "${kind}" its daemon restarts containers itself`);
      const root = resolveStateRoot({ flag: globals.root, env: process.env });
      const result = await bootStateRoot({
        root,
        onContainer: (name, outcome, error) => {
          if (outcome === 'started') process.stdout.write(`Container ${name}  Started\n`);
          else process.stderr.write(`Container ${name}  Error: ${error?.message ?? 'failed'}\n`);
        },
      });
      if (result.failed.length) {
        throw new TscError('BOOT_FAILED', `${result.failed.length} container(s) could not be started: ${result.failed.map((f) => f.name).join(', ')}`);
      }
    });
}
