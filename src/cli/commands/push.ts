// `tscompose push [SERVICE...]`: the services' images to their registries, as `docker compose push`.
import type { Command } from 'commander';
import type { ProgressEvent } from '../../stack/events.js';
import { TscError } from '../../util/errors.js';
import type { GlobalOptions } from '../global-options.js';
import { createProgress } from '../progress.js';
import { layerEvent, selectedServices } from '../progress/ensure-images.js';
import { withEngine, type OpenStack } from '../progress/stack-command.js';

interface PushFlags {
  ignorePushFailures: boolean;
  includeDeps: boolean;
  quiet: boolean;
}

export function registerPush(program: Command): void {
  program
    .command('push')
    .description('Push service images')
    .argument('[services...]', 'Services whose images to push (default: all with an image)')
    .option('--ignore-push-failures', 'Push what it can and ignores images with push failures', false)
    .option('--include-deps', 'Also push images of services declared as dependencies', false)
    .option('-q, --quiet', 'Push without printing progress information', false)
    .action(async (services: string[], flags: PushFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      await withEngine(globals, { command: 'push', services }, async (open) => {
        // As Compose: only services that name an image are pushed, each image once.
        const targets = new Map<string, string>();
        for (const s of selectedServices(open, services, !flags.includeDeps)) if (s.image && !targets.has(s.image)) targets.set(s.image, s.name);
        if (globals.dryRun) {
          for (const [image, service] of targets) process.stdout.write(`Service ${service}  Push ${image}\n`);
          return;
        }
        await pushImages(open, targets, { quiet: flags.quiet, ignoreFailures: flags.ignorePushFailures });
      });
    });
}

/** Pushes each image (image → the service it is shown under), with Compose's progress. */
export async function pushImages(open: OpenStack, targets: Map<string, string>, opts: { quiet?: boolean; ignoreFailures?: boolean } = {}): Promise<void> {
  const images = open.engine.images;
  if (!images.push) throw new TscError('ENGINE_UNSUPPORTED', `the ${open.engine.name} engine cannot push images`);
  const progress = createProgress({ mode: opts.quiet ? 'quiet' : open.globals.progress, title: 'Pushing', color: open.globals.ansi !== 'never' });
  const emit = (e: ProgressEvent) => progress.onEvent(e);
  const errors: unknown[] = [];
  try {
    await Promise.all([...targets].map(async ([image, service]) => {
      emit({ kind: 'Service', name: service, status: 'Pushing', state: 'working' });
      try {
        await images.push!(image, { onProgress: (p) => emit(layerEvent(service, p)) });
        emit({ kind: 'Service', name: service, status: 'Pushed', state: 'done' });
      } catch (error) {
        emit({ kind: 'Service', name: service, status: 'Error', state: 'error', detail: (error as Error).message });
        if (opts.ignoreFailures) process.stderr.write(`WARN[0000] ${(error as Error).message}\n`);
        else errors.push(error);
      }
    }));
  } finally {
    progress.done();
  }
  if (errors.length > 0) throw errors[0];
}
