#!/usr/bin/env node
import './cli/short-lived.js';
import { main } from './cli/main.js';

process.on('SIGINT', () => process.exit(130));
process.exitCode = await main(process.argv.slice(2));
