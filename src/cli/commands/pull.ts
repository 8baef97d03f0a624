// `tscompose pull [SERVICE...]`: the services' images from their registries, as `docker compose pull`.
import type { Command } from 'commander';
import { checkPullPolicyFlag } from '../../stack/plan-images.js';
import { TscError } from '../../util/errors.js';
import type { GlobalOptions } from '../global-options.js';
import { ensureImages } from '../progress/ensure-images.js';
import { withEngine } from '../progress/stack-command.js';

interface PullFlags {
  policy?: string;
  ignorePullFailures: boolean;
  ignoreBuildable: boolean;
  includeDeps: boolean;
  quiet: boolean;
}

export function registerPull(program: Command): void {
  program
    .command('pull')
    .description('Pull service images')
    .argument('[services...]', 'Services whose images to pull (default: all)')
    .option('--policy <policy>', 'Apply pull policy ("missing"|"always")')
    .option('--ignore-pull-failures', 'Pull what it can and ignores images with pull failures', false)
    .option('--ignore-buildable', 'Ignore images that can be built', false)
    .option('--include-deps', 'Also pull services declared as dependencies', false)
    .option('-q, --quiet', 'Pull without printing progress information', false)
    .action(async (services: string[], flags: PullFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      if (flags.policy !== undefined && !['missing', 'always', 'if_not_present'].includes(flags.policy)) {
        throw new TscError('CLI_USAGE', `invalid --policy "${flags.policy}": use missing or always`);
      }
      await withEngine(globals, { command: 'pull', services }, async (open) => {
        await ensureImages(open, {
          mode: 'pull', services, noDeps: !flags.includeDeps, policy: flags.policy && checkPullPolicyFlag(flags.policy, '--policy'),
          quiet: flags.quiet, ignoreFailures: flags.ignorePullFailures, ignoreBuildable: flags.ignoreBuildable,
        });
      });
    });
}
