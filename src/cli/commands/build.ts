// `tscompose build`: build (or rebuild) the images of services with `build:`.
import type { Command } from 'commander';
import { dependenciesFromProject, transitiveDependencies } from '../../stack/dependencies.js';
import { TscError } from '../../util/errors.js';
import type { GlobalOptions } from '../global-options.js';
import { buildServiceImages } from '../progress/build-images.js';
import { withEngine } from '../progress/stack-command.js';
import { openEngine } from '../context.js';
import { pushImages } from './push.js';
import { collect } from './up.js';

interface BuildFlags {
  noCache: boolean;
  pull: boolean;
  push: boolean;
  buildArg: string[];
  quiet: boolean;
  withDependencies: boolean;
}

export function registerBuild(program: Command): void {
  program.command('build')
    .description('Build or rebuild services')
    .argument('[services...]', 'Services to build (all with a build section when none)')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--pull', 'Always attempt to pull a newer version of the image', false)
    .option('--push', 'Push service images', false)
    .option('--build-arg <key=value>', 'Set build-time variables for services', collect, [])
    .option('-q, --quiet', 'Don\'t print anything to STDOUT', false)
    .option('--with-dependencies', 'Also build dependencies (transitively)', false)
    .action(async (services: string[], flags: BuildFlags & { cache: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const args: Record<string, string> = {};
      for (const a of flags.buildArg) {
        const eq = a.indexOf('=');
        if (eq === 0) throw new TscError('CLI_USAGE', `invalid --build-arg "${a}": use KEY=VALUE`);
        if (eq < 0) {
          if (process.env[a] !== undefined) args[a] = process.env[a]!;
        } else args[a.slice(0, eq)] = a.slice(eq + 1);
      }
      await withEngine(globals, { command: 'build', services }, async (open) => {
        const project = open.stack!.project;
        for (const s of services) if (!(s in project.services)) throw new TscError('NO_SUCH_SERVICE', `no such service: ${s}`);
        const selected = new Set(services);
        if (flags.withDependencies) {
          const deps = dependenciesFromProject(project);
          for (const s of services) for (const d of transitiveDependencies(deps, s)) selected.add(d);
        }
        if (globals.dryRun) return;
        await buildServiceImages(open, [...selected], { always: true, noCache: !flags.cache, args, quiet: flags.quiet, pull: flags.pull });
        if (flags.push) {
          // As Docker Compose: the built services that name an image are pushed.
          const targets = new Map<string, string>();
          for (const s of Object.values(project.services)) {
            if (s.build && s.image && (selected.size === 0 || selected.has(s.name)) && !targets.has(s.image)) targets.set(s.image, s.name);
          }
          await pushImages(open, targets, { quiet: flags.quiet });
        }
      });
    });
}

/** `tscompose builder prune`: forget the build cache (its layers go with the next image GC). */
export function registerBuilder(program: Command): void {
  program.command('builder')
    .description('Manage the build cache')
    .command('prune')
    .description('Remove the build cache')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .option('-a, --all', 'Remove all unused build cache', false)
    .action(async (_opts: unknown, cmd: Command) => {
      const engine = await openEngine(cmd.optsWithGlobals() as GlobalOptions);
      try {
        if (!engine.builder) throw new TscError('BUILD_UNSUPPORTED', `the ${engine.name} engine has no build cache`);
        const n = await engine.builder.prune();
        process.stdout.write(`Deleted build cache objects: ${n}\n`);
      } finally {
        await engine.close();
      }
    });
}
