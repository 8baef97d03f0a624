// Our version, for `com.docker.compose.version` (the stack must not import the CLI).
import { readFileSync } from 'node:fs';

export const TSCOMPOSE_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
