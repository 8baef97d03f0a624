// Registry credentials where Docker keeps them: `$DOCKER_CONFIG/config.json`
// (default ~/.docker/config.json) with `auths`, `credHelpers` and
// `credsStore`; helpers are the `docker-credential-<name>` programs
// (get/store/erase over stdin/stdout). `login`/`logout` write the same file.
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../util/atomic-file.js';
import { TscError } from '../../../util/errors.js';
import { execFile, ProcessError } from '../../../util/exec.js';

export interface Credentials {
  username: string;
  /** A password, or an identity (refresh) token when `identityToken` is set. */
  secret: string;
  identityToken?: boolean;
}

export interface CredentialLookup {
  credentials?: Credentials;
  /** Where they came from, or where we looked: for error messages. */
  source: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

export function dockerConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'), 'config.json');
}

/** The key Docker uses for a registry in config.json: Docker Hub's is its old v1 URL. */
export function serverKey(registry: string): string {
  return registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
}

/** `https://index.docker.io/v1/` → `docker.io`; `https://reg:5000/x` → `reg:5000` (Docker's convertToHostname). */
function hostOfKey(key: string): string {
  const host = key.replace(/^https?:\/\//, '').split('/')[0]!;
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

function readConfig(file: string): DockerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch (error) {
    throw new TscError('DOCKER_CONFIG_INVALID', `${file} is not valid JSON (${(error as Error).message}): fix or remove it`);
  }
}

export async function findCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<CredentialLookup> {
  const file = dockerConfigFile(env);
  const config = readConfig(file);
  const helper = config.credHelpers?.[registry] ?? config.credHelpers?.[serverKey(registry)] ?? config.credsStore;
  if (helper) {
    const source = `credential helper docker-credential-${helper} (from ${file})`;
    const credentials = await helperGet(helper, serverKey(registry), env);
    if (credentials || config.credHelpers?.[registry]) return { credentials, source };
  }
  const key = Object.keys(config.auths ?? {}).find((k) => hostOfKey(k) === registry);
  const entry = key ? config.auths![key]! : undefined;
  const credentials = entry && entryCredentials(entry);
  if (credentials) return { credentials, source: `${file} (auths."${key}")` };
  return { source: `no credentials for ${registry} in ${file}` };
}

function entryCredentials(entry: AuthEntry): Credentials | undefined {
  if (entry.identitytoken) return { username: entry.username ?? '', secret: entry.identitytoken, identityToken: true };
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i > 0) return { username: text.slice(0, i), secret: text.slice(i + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, secret: entry.password };
  return undefined;
}

async function helperGet(helper: string, server: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  let result;
  try {
    result = await execFile([`docker-credential-${helper}`, 'get'], { input: server, env, timeout: 30_000, okCodes: [0, 1], detached: false });
  } catch (error) {
    if (error instanceof ProcessError && error.exitCode_ === null && error.signal === null && /not found in PATH/.test(error.message)) {
      throw new TscError('CREDENTIAL_HELPER_MISSING', `docker-credential-${helper} is not on PATH, but ${dockerConfigFile(env)} names it: install it or remove it from the file`);
    }
    throw new TscError('CREDENTIAL_HELPER_FAILED', `docker-credential-${helper} get failed: ${(error as Error).message}`);
  }
  // Helpers say "credentials not found in native keychain" (on stdout) and exit 1 when they have none.
  if (result.code !== 0) {
    if (/credentials not found/i.test(result.stdout + result.stderr)) return undefined;
    throw new TscError('CREDENTIAL_HELPER_FAILED', `docker-credential-${helper} get failed: ${(result.stderr || result.stdout).trim()}`);
  }
  let parsed: { Username?: string; Secret?: string };
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    throw new TscError('CREDENTIAL_HELPER_FAILED', `docker-credential-${helper} get printed something that is not JSON`);
  }
  if (!parsed.Secret) return undefined;
  return parsed.Username === '<token>' ? { username: '', secret: parsed.Secret, identityToken: true } : { username: parsed.Username ?? '', secret: parsed.Secret };
}

/** Stores credentials as `docker login` does: in the helper for the registry, else base64 in `auths`. Returns where. */
export async function storeCredentials(registry: string, creds: Credentials, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = dockerConfigFile(env);
  const config = readConfig(file);
  const helper = config.credHelpers?.[registry] ?? config.credsStore;
  const key = serverKey(registry);
  if (helper) {
    const input = JSON.stringify({ ServerURL: key, Username: creds.username, Secret: creds.secret });
    await execFile([`docker-credential-${helper}`, 'store'], { input, env, timeout: 30_000, detached: false }).catch((error: Error) => {
      throw new TscError('CREDENTIAL_HELPER_FAILED', `docker-credential-${helper} store failed: ${error.message}`);
    });
    // As Docker: the entry stays in `auths`, empty, so that `docker info`-like tools list the login.
    config.auths = { ...config.auths, [key]: {} };
    writeConfig(file, config);
    return `docker-credential-${helper}`;
  }
  config.auths = { ...config.auths, [key]: { auth: Buffer.from(`${creds.username}:${creds.secret}`).toString('base64') } };
  writeConfig(file, config);
  return file;
}

/** Removes stored credentials; false when there were none. */
export async function eraseCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const file = dockerConfigFile(env);
  const config = readConfig(file);
  const key = Object.keys(config.auths ?? {}).find((k) => hostOfKey(k) === registry);
  const helper = config.credHelpers?.[registry] ?? config.credsStore;
  let erased = false;
  if (helper) {
    erased = await execFile([`docker-credential-${helper}`, 'erase'], { input: serverKey(registry), env, timeout: 30_000, detached: false }).then(() => true, () => false);
  }
  if (key) {
    delete config.auths![key];
    writeConfig(file, config);
    erased = true;
  }
  return erased;
}

function writeConfig(file: string, config: DockerConfig): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${JSON.stringify(config, null, '\t')}\n`, 0o600);
}

/**
 * The `X-Registry-Auth` header the Docker Engine API takes for pull and push
 * (base64url JSON), from the same credentials; undefined when there are none.
 */
export async function registryAuthHeader(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const { credentials } = await findCredentials(registry, env);
  if (!credentials) return undefined;
  const body = credentials.identityToken
    ? { identitytoken: credentials.secret, serveraddress: serverKey(registry) }
    : { username: credentials.username, password: credentials.secret, serveraddress: serverKey(registry) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}
