#!/usr/bin/env node
import { holdOptimizerBack } from './util/v8-tiering.js';

// node's own modules that every command loads, loaded before V8's flags
// change: node compiles them from its code cache, which V8 refuses once the
// flags changed (~13 ms to compile these from source instead).
const EARLY_BUILTINS = ['node:child_process', 'node:crypto', 'node:os', 'node:vm'];
await Promise.all(EARLY_BUILTINS.map((name) => import(name)));
// Before any other module of ours is loaded: the flags also key V8's code cache (util/code-cache.ts).
holdOptimizerBack();
process.on('SIGINT', () => process.exit(130));
const { main } = await import('./cli/main.js');
process.exitCode = await main(process.argv.slice(2));
