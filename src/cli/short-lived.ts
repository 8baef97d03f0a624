// Most commands live for a fraction of a second: they load the project, maybe
// plan, and exit. V8's optimizing compiler (TurboFan) then costs more than it
// gives: it compiles the hottest functions of the YAML parser and the schema
// validator on a helper thread, deoptimizes some, and the command is over
// before the optimized code pays back (`config` of 200 services: ~40% less CPU
// without it). So tscompose starts with the interpreter and Sparkplug's
// baseline code only, and gives the optimizer back to a command still running
// after OPTIMIZE_AFTER_MS (watch, logs -f, attached up, a long build).
// Imported first by src/bin.ts, so that it runs before any other module.
import { setFlagsFromString } from 'node:v8';

export const OPTIMIZE_AFTER_MS = 1000;

// --max-opt: 1 is Sparkplug; 999 is V8's default (any tier).
setFlagsFromString('--max-opt=1');
setTimeout(() => setFlagsFromString('--max-opt=999'), OPTIMIZE_AFTER_MS).unref();
