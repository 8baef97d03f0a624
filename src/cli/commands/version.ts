import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('Show the tscompose version information')
    .option('--short', 'Shows only the version number', false)
    .action((opts: { short: boolean }) => {
      process.stdout.write(opts.short ? `${VERSION}\n` : `tscompose version v${VERSION}\n`);
    });
}
