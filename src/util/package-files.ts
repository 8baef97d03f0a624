// tscompose's own files (package.json, schemas/, the entry scripts it spawns),
// found from this module both when it runs from the sources (src/util, through
// tsx: the tests) and from the bundle (dist/bin.js and its chunks): the package
// root is the nearest directory above with a package.json.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);

/** True when running the TypeScript sources, false in the bundle. */
export const fromSource = here.endsWith('.ts');

let root: string | undefined;

/** The directory of tscompose's package.json. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return (root = dir);
    if (dirname(dir) === dir) throw new Error(`no package.json above ${here}: reinstall tscompose`);
  }
}

/** A file of the package, by its path from the package root (`schemas/compose-spec.json`). */
export function packagePath(...segments: string[]): string {
  return join(packageRoot(), ...segments);
}

/**
 * node's arguments (after node itself) to run one of our entry scripts, named
 * by its path under src/ without extension (`engines/embedded/agent/main`):
 * src/NAME.ts through tsx from the sources, dist/NAME.js (a bundle entry) once built.
 */
export function entryScriptArgs(name: string, what: string): string[] {
  const file = fromSource ? packagePath('src', `${name}.ts`) : packagePath('dist', `${name}.js`);
  if (!existsSync(file)) throw new Error(`${what} ${file} is missing: reinstall tscompose (or run \`npm run build\`)`);
  // The tsx loader as an absolute URL: the agent runs with cwd "/".
  return fromSource ? ['--import', import.meta.resolve('tsx'), file] : [file];
}
