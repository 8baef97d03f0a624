// Most commands live for a fraction of a second: they load the project, maybe
// plan, and exit. V8's optimizing compiler (TurboFan) then costs more than it
// gives: it compiles the hottest functions of the YAML parser and the schema
// validator on a helper thread, deoptimizes some, and the command is over
// before the optimized code pays back (`config` of 200 services: ~40% less CPU
// without it). So the CLI starts with the interpreter and Sparkplug's baseline
// code only, and gives the optimizer back to a command still running after
// OPTIMIZE_AFTER_MS (watch, logs -f, attached up, a long build).
import { setFlagsFromString } from 'node:v8';

export const OPTIMIZE_AFTER_MS = 1000;

let heldBack = false;

/** Called first by the CLI (src/bin.ts), before its other modules load. */
export function holdOptimizerBack(): void {
  // --max-opt: 1 is Sparkplug; 999 is V8's default (any tier).
  setFlagsFromString('--max-opt=1');
  heldBack = true;
  setTimeout(() => {
    setFlagsFromString('--max-opt=999');
    heldBack = false;
  }, OPTIMIZE_AFTER_MS).unref();
}

/** True while the optimizer is held back: V8's flags are still those the CLI starts with (code-cache.ts). */
export function optimizerHeldBack(): boolean {
  return heldBack;
}
