import type { Command } from 'commander';
import { TSCOMPOSE_VERSION as VERSION } from '../../stack/version.js';
import { TscError } from '../../util/errors.js';

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('Show the tscompose version information')
    .option('-f, --format <format>', 'Format the output. Values: [pretty | json]', 'pretty')
    .option('--short', 'Shows only the version number', false)
    .action((opts: { short: boolean; format: string }) => {
      if (opts.format !== 'pretty' && opts.format !== 'json') {
        throw new TscError('CLI_USAGE', `unsupported format "${opts.format}": use pretty or json`);
      }
      if (opts.short) process.stdout.write(`${VERSION}\n`);
      else if (opts.format === 'json') process.stdout.write(`${JSON.stringify({ version: `v${VERSION}` })}\n`);
      else process.stdout.write(`tscompose version v${VERSION}\n`);
    });
}
