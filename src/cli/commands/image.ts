// `tscompose image ...`: the engine's image store, as `docker image ...` shows it.
import type { Command } from 'commander';
import type { Engine } from '../../engine/types.js';
import { TscError } from '../../util/errors.js';
import { familiarReference, formatReference, parseReference } from '../../engines/embedded/images/reference.js';
import { openEngine } from '../context.js';
import { goJson, imageInspectObject, imageJsonLine, imageRows, renderImageTable } from '../format/image-view.js';
import { shortId } from '../format/go-text.js';
import type { GlobalOptions } from '../global-options.js';

async function withEngine<T>(cmd: Command, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await openEngine(cmd.optsWithGlobals() as GlobalOptions);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

const out = (text: string) => process.stdout.write(text);

export function registerImage(program: Command): void {
  const image = program.command('image').description('Manage images of the embedded engine');

  image.command('load')
    .description('Load an image from a tar archive (docker-archive or OCI layout)')
    .requiredOption('-i, --input <file>', 'Read from tar archive file')
    .option('-q, --quiet', 'Suppress the load output', false)
    .action((opts: { input: string; quiet: boolean }, cmd: Command) => withEngine(cmd, async (engine) => {
      const loaded = await engine.images.load(opts.input);
      if (!opts.quiet) out(loaded.map((ref) => (ref.startsWith('sha256:') ? `Loaded image ID: ${ref}\n` : `Loaded image: ${ref}\n`)).join(''));
    }));

  image.command('save')
    .description('Save one or more images to a tar archive')
    .argument('<images...>', 'Images to save')
    .requiredOption('-o, --output <file>', 'Write to a file')
    .action((refs: string[], opts: { output: string }, cmd: Command) => withEngine(cmd, (engine) => engine.images.save(refs, opts.output)));

  image.command('import')
    .description('Import a root filesystem (tar or directory) as an image')
    .argument('<source>', 'Tar file or directory')
    .argument('[reference]', 'REPOSITORY[:TAG]')
    .action((source: string, ref: string | undefined, _opts: unknown, cmd: Command) => withEngine(cmd, async (engine) => {
      out(`${await engine.images.importRootfs(source, ref ?? '')}\n`);
    }));

  image.command('ls').alias('list')
    .description('List images')
    .option('-q, --quiet', 'Only show image IDs', false)
    .option('--format <format>', 'Format output: table or json', 'table')
    .option('--no-trunc', "Don't truncate output")
    .action((opts: { quiet: boolean; format: string; trunc: boolean }, cmd: Command) => withEngine(cmd, async (engine) => {
      const rows = imageRows(await engine.images.list());
      const now = Date.now();
      if (opts.quiet) return void out(rows.map((r) => `${opts.trunc ? shortId(r.image.id) : r.image.id}\n`).join(''));
      if (opts.format === 'json') return void out(rows.map((r) => `${imageJsonLine(r, now)}\n`).join(''));
      if (opts.format !== 'table') throw new TscError('CLI_USAGE', `unsupported format "${opts.format}": use table or json`);
      out(renderImageTable(rows, now));
    }));

  image.command('rm').alias('remove')
    .description('Remove one or more images')
    .argument('<images...>', 'Images to remove')
    .option('-f, --force', 'Force removal of the image', false)
    .action((refs: string[], opts: { force: boolean }, cmd: Command) => withEngine(cmd, async (engine) => {
      const failures: string[] = [];
      for (const ref of refs) {
        try {
          out((await engine.images.remove(ref, { force: opts.force })).map((l) => `${l}\n`).join(''));
        } catch (error) {
          if (!(error instanceof TscError)) throw error;
          failures.push(error.format());
        }
      }
      if (failures.length) throw new TscError('IMAGE_REMOVE_FAILED', failures.join('\n'));
    }));

  image.command('inspect')
    .description('Display detailed information on one or more images')
    .argument('<images...>', 'Images to inspect')
    .action((refs: string[], _opts: unknown, cmd: Command) => withEngine(cmd, async (engine) => {
      const found: Record<string, unknown>[] = [];
      const missing: string[] = [];
      for (const ref of refs) {
        const details = await engine.images.inspect(ref);
        if (details) found.push(imageInspectObject(details));
        else missing.push(ref);
      }
      out(`${goJson(found, 4)}\n`);
      if (missing.length) throw new TscError('IMAGE_NOT_FOUND', missing.map((r) => `Error: No such image: ${r}`).join('\n'));
    }));

  image.command('pull')
    .description('Download an image from a registry')
    .argument('<name>', 'NAME[:TAG|@DIGEST]')
    .option('--platform <platform>', 'Set platform if server is multi-platform capable (os/arch[/variant])')
    .option('-q, --quiet', 'Suppress verbose output', false)
    .action((name: string, opts: { platform?: string; quiet: boolean }, cmd: Command) => withEngine(cmd, async (engine) => {
      if (!engine.images.pull) throw new TscError('ENGINE_UNSUPPORTED', `the ${engine.name} engine cannot pull images`);
      const ref = parseReference(name);
      const say = opts.quiet ? () => undefined : out;
      if (!/[:@]/.test(name.slice(name.lastIndexOf('/') + 1))) say('Using default tag: latest\n');
      say(`${ref.digest ?? ref.tag}: Pulling from ${familiarReference({ domain: ref.domain, path: ref.path })}\n`);
      const result = await engine.images.pull(name, {
        platform: opts.platform,
        onProgress: (p) => {
          if (p.layer && ['Already exists', 'Pull complete'].includes(p.status)) say(`${p.layer}: ${p.status}\n`);
        },
      });
      const shown = familiarReference(ref);
      say(`Digest: ${result.digest}\n`);
      say(`Status: ${result.downloaded ? 'Downloaded newer image' : 'Image is up to date'} for ${shown}\n`);
      out(`${formatReference(ref)}\n`);
    }));

  image.command('push')
    .description('Upload an image to a registry')
    .argument('<name>', 'NAME[:TAG]')
    .option('-q, --quiet', 'Suppress verbose output', false)
    .action((name: string, opts: { quiet: boolean }, cmd: Command) => withEngine(cmd, async (engine) => {
      if (!engine.images.push) throw new TscError('ENGINE_UNSUPPORTED', `the ${engine.name} engine cannot push images`);
      const ref = parseReference(name);
      const say = opts.quiet ? () => undefined : out;
      say(`The push refers to repository [${ref.domain === 'docker.io' ? `docker.io/${ref.path}` : `${ref.domain}/${ref.path}`}]\n`);
      const result = await engine.images.push(name, {
        onProgress: (p) => {
          if (p.layer && ['Pushed', 'Layer already exists', 'Mounted'].includes(p.status)) say(`${p.layer}: ${p.status}${p.detail ? ` ${p.detail}` : ''}\n`);
        },
      });
      if (opts.quiet) out(`${formatReference(ref)}\n`);
      else say(`${result.tag}: digest: ${result.digest} size: ${result.size}\n`);
    }));

  image.command('tag')
    .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<source>', 'SOURCE_IMAGE[:TAG]')
    .argument('<target>', 'TARGET_IMAGE[:TAG]')
    .action((source: string, target: string, _opts: unknown, cmd: Command) => withEngine(cmd, (engine) => engine.images.tag(source, target)));
}
