// The CLI's entry: dist/bin.js runs this, bundled as dist/bin.cjs (CommonJS:
// node's own modules are then required, not imported; an import of
// node:crypto also builds its WebCrypto, ~5 ms of every command).
import { COMMAND_NAMES } from './cli/command-names.js';
import * as codeCache from './util/code-cache.js';
import { fromSource, packagePath } from './util/package-files.js';
import * as tiering from './util/v8-tiering.js';

// node's own modules that every command loads, loaded before V8's flags
// change: node compiles them from its code cache, which V8 refuses once the
// flags changed (~13 ms to compile these from source instead).
import 'node:child_process';
import 'node:crypto';
import 'node:os';
import 'node:vm';

type Cli = typeof import('./cli/main.js');

async function run(argv: string[]): Promise<number> {
  // Before any other module of ours is loaded: the flags also key V8's code cache (util/code-cache.ts).
  tiering.holdOptimizerBack();
  process.on('SIGINT', () => process.exit(130));
  // A reader that went away (`tscompose config | head`): end as a program killed
  // by SIGPIPE would (node ignores the signal and reports EPIPE instead).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(141);
    });
  }
  const fromSourceCli = './cli/main.js'; // a variable: esbuild leaves this import out of the bundle
  // Built, the CLI is one CommonJS bundle (dist/cli.cjs, scripts/build.mts)
  // run with V8's code cache, kept per command: node 20 has none for ES modules.
  const { main } = fromSource
    ? ((await import(fromSourceCli)) as Cli)
    : (codeCache.runCachedScript(packagePath('dist', 'cli.cjs'), { 'tscompose:code-cache': codeCache, 'tscompose:v8-tiering': tiering }, cacheVariant(argv)) as Cli);
  return main(argv);
}

/** One code cache per command: each holds the functions its command ran. */
function cacheVariant(args: string[]): string {
  const names = new Set<string>(COMMAND_NAMES);
  return args.find((a) => names.has(a)) ?? 'other';
}

void run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
