// Our version, for `com.docker.compose.version` and `tscompose version` (the stack must not import the CLI).
import { readFileSync } from 'node:fs';
import { packagePath } from '../util/package-files.js';

export const TSCOMPOSE_VERSION: string = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
