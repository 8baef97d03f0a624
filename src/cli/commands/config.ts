// `tscompose config`: the project as Docker Compose would run it.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { serviceConfigHash } from '../../compose/config-hash.js';
import { loadProject } from '../../compose/load.js';
import type { LoadResult } from '../../compose/load.js';
import { listVariables } from '../../compose/interpolate.js';
import { listProfiles } from '../../compose/profiles.js';
import { escapeDollars, renderJson, renderYaml } from '../../compose/render.js';
import { isMap } from '../../compose/source.js';
import type { ComposeMap } from '../../compose/source.js';
import { TscError } from '../../util/errors.js';
import { loadOptionsFrom } from '../global-options.js';
import type { GlobalOptions } from '../global-options.js';
import { printTable } from '../table.js';

interface ConfigOptions {
  format: string;
  output?: string;
  quiet: boolean;
  services: boolean;
  volumes: boolean;
  networks: boolean;
  images: boolean;
  profiles: boolean;
  hash?: string;
  interpolate: boolean;
  normalize: boolean;
  pathResolution: boolean;
  variables: boolean;
  environment: boolean;
}

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('Parse, resolve and render compose file in canonical format')
    .argument('[services...]', 'Services to include')
    .option('--format <format>', 'Format the output. Values: [yaml | json]', 'yaml')
    .option('-o, --output <file>', 'Save to file (default to stdout)')
    .option('-q, --quiet', 'Only validate the configuration, don\'t print anything', false)
    .option('--services', 'Print the service names, one per line', false)
    .option('--volumes', 'Print the volume names, one per line', false)
    .option('--networks', 'Print the network names, one per line', false)
    .option('--images', 'Print the image names, one per line', false)
    .option('--profiles', 'Print the profile names, one per line', false)
    .option('--hash <services>', 'Print the service config hash, one per line ("*" for all)')
    .option('--no-interpolate', 'Don\'t interpolate environment variables')
    .option('--no-normalize', 'Don\'t normalize compose model')
    .option('--no-path-resolution', 'Don\'t resolve file paths')
    .option('--variables', 'Print model variables and default values', false)
    .option('--environment', 'Print environment used for interpolation', false)
    .action((services: string[], opts: ConfigOptions, cmd: Command) => {
      runConfig(services, opts, cmd.optsWithGlobals() as GlobalOptions & ConfigOptions);
    });
}

function runConfig(services: string[], opts: ConfigOptions, globals: GlobalOptions): void {
  if (opts.format !== 'yaml' && opts.format !== 'json') {
    throw new TscError('CLI_USAGE', `unsupported format "${opts.format}": use yaml or json`);
  }
  const listing = opts.services || opts.volumes || opts.networks || opts.images || opts.profiles || opts.hash !== undefined;
  const result = loadProject(loadOptionsFrom(globals, {
    services: services.length > 0 ? services : undefined,
    selectServices: services.length > 0 ? services : undefined,
    // Variables are listed from the model as written, before interpolation.
    interpolate: opts.interpolate && !opts.variables,
    normalize: (opts.normalize || listing) && !opts.variables,
    castTypes: !opts.variables,
    resolvePaths: opts.pathResolution,
    // Listing profiles or variables needs every service, whatever profile is active.
    profiles: opts.profiles || opts.variables ? ['*'] : globals.profile,
  }));
  const out = (text: string) => {
    if (opts.output) writeFileSync(opts.output, text);
    else process.stdout.write(text);
  };
  const tree = selectServices(result.tree, services);

  if (opts.variables) return out(printTable(['NAME', 'REQUIRED', 'DEFAULT VALUE', 'ALTERNATE VALUE'],
    listVariables(result.tree).map((v) => [v.name, v.required ? 'true' : 'false', v.defaultValue ?? '', v.alternateValue ?? ''])));
  if (opts.environment) {
    return out(Object.keys(result.env).sort().map((k) => `${k}=${result.env[k]}\n`).join(''));
  }
  if (opts.quiet) return;
  if (opts.services) return out(lines(Object.keys(mapOf(tree.services)).sort()));
  if (opts.volumes) return out(lines(Object.keys(mapOf(tree.volumes)).sort()));
  if (opts.networks) return out(lines(Object.keys(mapOf(tree.networks)).sort()));
  if (opts.profiles) return out(lines(listProfiles(tree)));
  if (opts.images) {
    const svc = mapOf(tree.services);
    return out(lines(Object.keys(svc).sort().map((name) => {
      const image = mapOf(svc[name]).image;
      return typeof image === 'string' && image !== '' ? image : `${result.name}-${name}`;
    })));
  }
  if (opts.hash !== undefined) return out(printHashes(result, opts.hash));
  const text = opts.format === 'json' ? renderJson(tree) : renderYaml(tree);
  out(opts.interpolate ? escapeDollars(text) : text);
}

function printHashes(result: LoadResult, which: string): string {
  const services = result.project?.services ?? {};
  const wanted = which === '*' ? Object.keys(services).sort() : which.split(',').map((s) => s.trim());
  return wanted.map((name) => {
    const svc = services[name];
    if (!svc) throw new TscError('NO_SUCH_SERVICE', `no such service: ${name}`);
    return `${name} ${serviceConfigHash(svc)}\n`;
  }).join('');
}

function selectServices(tree: ComposeMap, names: string[]): ComposeMap {
  if (names.length === 0) return tree;
  const all = mapOf(tree.services);
  for (const n of names) if (!(n in all)) throw new TscError('NO_SUCH_SERVICE', `no such service: ${n}`);
  const keep = new Set(names);
  // Dependencies of the named services are part of what would run.
  const queue = [...names];
  while (queue.length > 0) {
    const deps = mapOf(mapOf(all[queue.pop()!]).depends_on);
    for (const d of Object.keys(deps)) if (!keep.has(d) && d in all) { keep.add(d); queue.push(d); }
  }
  const services: ComposeMap = {};
  for (const n of Object.keys(all)) if (keep.has(n)) services[n] = all[n];
  return { ...tree, services };
}

function mapOf(value: unknown): ComposeMap {
  return isMap(value) ? value : {};
}

function lines(items: string[]): string {
  return items.map((i) => `${i}\n`).join('');
}
