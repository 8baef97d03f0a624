// The project environment: the OS environment plus the `.env` file of the
// project directory, or the `--env-file` files instead (compose-go
// cli.WithEnvFiles + cli.WithDotEnv). It feeds interpolation and the COMPOSE_*
// settings (COMPOSE_PROJECT_NAME, COMPOSE_FILE, COMPOSE_PROFILES…).
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ComposeError } from '../util/errors.js';
import { parseDotenv } from './dotenv.js';
import { LoaderFileError, readLoaderFile } from './read-file.js';

export interface ProjectEnvironmentOptions {
  projectDir: string;
  /** Where relative `--env-file` paths start (the current directory). */
  workingDir: string;
  /** `--env-file` flags, in order; when given, the default `.env` is not read. */
  envFiles?: string[];
  osEnv: Record<string, string | undefined>;
  warn?: (message: string) => void;
}

export interface ProjectEnvironmentResult {
  /** OS environment over the env files (later files over earlier ones). */
  env: Record<string, string>;
  /** Absolute paths of the env files read, in order. */
  envFiles: string[];
}

export function resolveProjectEnvironment(opts: ProjectEnvironmentOptions): ProjectEnvironmentResult {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.osEnv)) if (v !== undefined) env[k] = v;

  const envFiles = selectEnvFiles(opts);
  const fromFiles: Record<string, string> = {};
  for (const file of envFiles) {
    // Each file sees the OS environment first, then what earlier files set.
    const lookup = (name: string) => own(env, name) ?? own(fromFiles, name);
    Object.assign(fromFiles, parseDotenv(readEnvFile(file), file, lookup, { warn: opts.warn }));
  }
  for (const [k, v] of Object.entries(fromFiles)) if (!Object.hasOwn(env, k)) env[k] = v;
  return { env, envFiles };
}

function selectEnvFiles(opts: ProjectEnvironmentOptions): string[] {
  let explicit = (opts.envFiles ?? []).filter((f) => f !== '');
  if (explicit.length === 0 && opts.osEnv.COMPOSE_ENV_FILES) {
    explicit = opts.osEnv.COMPOSE_ENV_FILES.split(',').filter((f) => f !== '');
  }
  if (explicit.length > 0) return explicit.map((f) => resolve(opts.workingDir, f));

  const disable = opts.osEnv.COMPOSE_DISABLE_ENV_FILE;
  if (disable !== undefined && parseGoBool(disable, 'COMPOSE_DISABLE_ENV_FILE')) return [];
  const dotEnv = join(resolve(opts.workingDir, opts.projectDir), '.env');
  return isFile(dotEnv) ? [dotEnv] : [];
}

function readEnvFile(file: string): string {
  try {
    return readLoaderFile(file, 'env file');
  } catch (error) {
    if (!(error instanceof LoaderFileError)) throw error;
    if (error.errno === 'ENOENT') throw new ComposeError(`Couldn't find env file: ${file}`, { code: 'COMPOSE_ENV_FILE_NOT_FOUND' });
    throw new ComposeError(error.message, { code: 'COMPOSE_ENV_FILE' });
  }
}

function own(record: Record<string, string>, name: string): string | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Go's strconv.ParseBool, which compose-go applies to COMPOSE_* switches. */
export function parseGoBool(value: string, name: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new ComposeError(`${name}: invalid boolean ${JSON.stringify(value)}: use true or false`, { code: 'COMPOSE_ENV' });
}
