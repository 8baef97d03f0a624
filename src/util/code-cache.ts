// V8's code cache for the CommonJS bundles of the CLI: dist/cli.cjs (the CLI
// itself, run by dist/bin.cjs) and the big libraries (yaml, commander, the
// schema validator: dist/vendor/NAME.cjs), all made by scripts/build.mts. node
// 20 has no code cache for ES modules, but a script compiled through node:vm
// takes one: the bytecode of every function the command that wrote it ran, so
// a command neither parses the text nor compiles those functions again.
// The cache lives in $XDG_CACHE_HOME/tscompose/code-cache (~/.cache/…), or in
// TSCOMPOSE_CODE_CACHE; TSCOMPOSE_CODE_CACHE=off turns it off. A file is
// named by the bundle, the command (for the CLI's) and a hash of the text (the
// build's, appended to it), its length, node's version and the CPU; V8 itself
// refuses a cache made with other flags. A cache that cannot be read or
// written only costs the time it would have saved.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { startFlagsInForce } from './v8-tiering.js';

/** Where code caches are kept; undefined when turned off. */
export function codeCacheDir(env: Record<string, string | undefined> = process.env): string | undefined {
  const set = env.TSCOMPOSE_CODE_CACHE;
  if (set === 'off') return undefined;
  if (set) return set;
  try {
    return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tscompose', 'code-cache');
  } catch {
    return undefined; // no home directory
  }
}

/**
 * Runs a CommonJS bundle (as node would require it) with V8's code cache;
 * returns its exports. Its `require(id)` of an id in `provided` gets that value.
 * Each `variant` (a command) keeps a cache of its own.
 */
export function runCachedScript(file: string, provided: Record<string, unknown> = {}, variant?: string): unknown {
  const bytes = readFileSync(file);
  // An ASCII text (scripts/build.mts escapes the rest) is read as a one-byte string: half the memory, no UTF-8 decoding.
  const text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${text}\n})`;
  const dir = codeCacheDir();
  const prefix = `${basename(file)}-${variant === undefined ? '' : `${variant}-`}`;
  const cacheFile = dir && join(dir, prefix + createHash('sha256').update(`${process.version} ${process.arch} ${text.length}\n`).update(builtHash(text) ?? text).digest('hex').slice(0, 20));
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // none yet
    }
  }
  const script = new Script(wrapped, { filename: file, cachedData });
  if (dir && cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    // At exit: the cache then holds every function the command compiled.
    process.once('exit', () => writeCache(script, dir, prefix, cacheFile));
  }
  const module = { exports: {} as unknown };
  const nodeRequire = createRequire(file);
  const require = (id: string): unknown => (Object.hasOwn(provided, id) ? provided[id] : nodeRequire(id));
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, file, dirname(file));
  return module.exports;
}

const BUILT_HASH = /\n\/\/ tscompose-sha256=([0-9a-f]{64})\n$/;

/** The sha256 of the text above it that `npm run build` appends to a bundle (hashing ~1 MB at each start costs ~4 ms). */
function builtHash(text: string): string | undefined {
  return BUILT_HASH.exec(text.slice(-90))?.[1];
}

/**
 * The import() calls of a bundle's text. A script compiled from a code cache
 * has none on node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING): the callback
 * is not kept with the cache. scripts/build.mts refuses a bundle with one.
 */
export function dynamicImports(text: string): string[] {
  return [...text.matchAll(/(?<![\w$.])import\s*\([^)]{0,60}/g)].map((m) => m[0]);
}

/** `text` with the trailer builtHash reads. */
export function withBuiltHash(text: string): string {
  return `${text}\n// tscompose-sha256=${createHash('sha256').update(text).digest('hex')}\n`;
}

function writeCache(script: Script, dir: string, prefix: string, cacheFile: string): void {
  // V8 keys the cache by its flags: one made after the optimizer came back would not fit the next command.
  if (!startFlagsInForce()) return;
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    // Caches of other builds of this library.
    for (const name of readdirSync(dir)) {
      if (name.startsWith(prefix) && join(dir, name) !== cacheFile) rmSync(join(dir, name), { force: true });
    }
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
  } catch {
    // not writable, disk full: the next command compiles again
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the directory itself is not there
    }
  }
}
