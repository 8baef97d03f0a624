// Most commands live for a fraction of a second: they load the project, maybe
// plan, and exit. V8's optimizing compiler (TurboFan) then costs more than it
// gives: it compiles the hottest functions of the YAML parser and the schema
// validator on a helper thread, deoptimizes some, and the command is over
// before the optimized code pays back (`config` of 200 services: ~40% less CPU
// without it). So the CLI starts with the interpreter and Sparkplug's baseline
// code only, and gives the optimizer back to a command still running after
// OPTIMIZE_AFTER_MS (watch, logs -f, attached up, a long build). A --max-opt
// the user gave node is theirs: the CLI then leaves the flag alone.
import { setFlagsFromString } from 'node:v8';

export const OPTIMIZE_AFTER_MS = 1000;

/** V8's flags are those every command starts with: held back, or the user's --max-opt left alone. */
let startFlags = false;

export interface HoldOptimizerBackOptions {
  env?: Record<string, string | undefined>;
  execArgv?: readonly string[];
  /** v8.setFlagsFromString (tests record the calls instead). */
  setFlags?: (flags: string) => void;
}

/** Called first by the CLI (src/bin.ts), before its other modules load. False when the user's --max-opt stands. */
export function holdOptimizerBack(opts: HoldOptimizerBackOptions = {}): boolean {
  startFlags = true;
  if (userSetMaxOpt(opts.env ?? process.env, opts.execArgv ?? process.execArgv)) return false;
  const setFlags = opts.setFlags ?? setFlagsFromString;
  // --max-opt: 1 is Sparkplug; 999 is V8's default (any tier).
  setFlags('--max-opt=1');
  setTimeout(() => {
    setFlags('--max-opt=999');
    startFlags = false;
  }, OPTIMIZE_AFTER_MS).unref();
  return true;
}

/** True while V8's flags are those the CLI starts every command with: a code cache made now fits the next command (code-cache.ts). */
export function startFlagsInForce(): boolean {
  return startFlags;
}

/**
 * Whether node was given --max-opt (or --max_opt: V8 takes both), on its command line or in
 * NODE_OPTIONS (where node 20 refuses it, but a later node may not).
 */
export function userSetMaxOpt(env: Record<string, string | undefined>, execArgv: readonly string[]): boolean {
  return [...execArgv, ...nodeOptionsArgs(env.NODE_OPTIONS ?? '')].some((arg) => /^--max[-_]opt(=|$)/.test(arg));
}

/** NODE_OPTIONS split as node splits it: at spaces, except inside double quotes (where \ escapes). */
function nodeOptionsArgs(value: string): string[] {
  return (value.match(/(?:[^\s"]+|"(?:[^"\\]|\\.)*")+/g) ?? []).map((arg) => arg.replace(/"((?:[^"\\]|\\.)*)"/g, (_, inner: string) => inner.replace(/\\(.)/g, '$1')));
}
