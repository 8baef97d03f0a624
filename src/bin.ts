#!/usr/bin/env node
import { holdOptimizerBack } from './util/v8-tiering.js';

// Before any other module of ours is loaded: the flags also key V8's code cache (util/code-cache.ts).
holdOptimizerBack();
process.on('SIGINT', () => process.exit(130));
const { main } = await import('./cli/main.js');
process.exitCode = await main(process.argv.slice(2));
