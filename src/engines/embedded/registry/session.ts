// Authenticated requests to one registry: anonymous or credentialed Bearer
// tokens (per scope, from the realm the registry names), or Basic. A 401 is
// answered once with a fresh token for the scope the registry asks.
import { TscError } from '../../../util/errors.js';
import { findCredentials, type CredentialLookup, type Credentials } from './credentials.js';
import { header, resolveEndpoint, send, type Endpoint, type Response, type SendOptions } from './transport.js';
import { parseChallenge, type Challenge } from './www-authenticate.js';

interface Token {
  value: string;
  expires: number;
}

export interface SessionOptions {
  env?: NodeJS.ProcessEnv;
  /** Use these instead of the Docker config's (`login` checks what the user typed). */
  credentials?: Credentials;
}

export class RegistrySession {
  private endpointJob: Promise<Endpoint> | undefined;
  private credsJob: Promise<CredentialLookup> | undefined;
  private readonly tokens = new Map<string, Promise<Token>>();
  private challenge: Challenge | undefined;

  constructor(readonly registry: string, private readonly opts: SessionOptions = {}) {}

  endpoint(): Promise<Endpoint> {
    this.endpointJob ??= resolveEndpoint(this.registry).then((e) => {
      this.challenge ??= e.challenge ? parseChallenge(e.challenge) : undefined;
      return e;
    });
    return this.endpointJob;
  }

  credentials(): Promise<CredentialLookup> {
    const given = this.opts.credentials;
    this.credsJob ??= given ? Promise.resolve({ credentials: given, source: 'the username and password given' }) : findCredentials(this.registry, this.opts.env ?? process.env);
    return this.credsJob;
  }

  /** For messages: where credentials came from, or where none were found. */
  async credentialSource(): Promise<string> {
    return (await this.credentials()).source;
  }

  /**
   * Sends a request with the authorization for `scopes`
   * (`repository:library/busybox:pull`). Request bodies must be replayable
   * (string/Buffer), or the caller handles a 401 itself.
   */
  async request(path: string, scopes: string[], opts: SendOptions = {}): Promise<Response> {
    const endpoint = await this.endpoint();
    const auth = await this.authorization(scopes);
    let res = await send(endpoint, path, { ...opts, headers: { ...opts.headers, ...(auth ? { authorization: auth } : {}) } });
    if (res.statusCode !== 401 || (opts.body !== undefined && typeof opts.body !== 'string' && !Buffer.isBuffer(opts.body))) return res;
    const asked = header(res, 'www-authenticate');
    const challenge = asked ? parseChallenge(asked) : undefined;
    if (!challenge || (auth && challenge.params.error === 'insufficient_scope' && this.challenge?.scheme === challenge.scheme && !challenge.params.scope)) return res;
    await res.body.dump();
    this.challenge = challenge;
    for (const s of scopes) this.tokens.delete(s);
    this.tokens.delete(scopes.join(' '));
    const again = await this.authorization(challenge.params.scope ? [...new Set([...scopes, ...challenge.params.scope.split(' ')])] : scopes);
    res = await send(endpoint, path, { ...opts, headers: { ...opts.headers, ...(again ? { authorization: again } : {}) } });
    return res;
  }

  /** The Authorization header for `scopes`, or undefined when the registry asks for none. */
  async authorization(scopes: string[]): Promise<string | undefined> {
    await this.endpoint();
    const challenge = this.challenge;
    if (!challenge) return undefined;
    const { credentials } = await this.credentials();
    if (challenge.scheme === 'basic') {
      return credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.secret}`).toString('base64')}` : undefined;
    }
    if (challenge.scheme !== 'bearer') {
      throw new TscError('REGISTRY_AUTH_UNSUPPORTED', `${this.registry} asks for "${challenge.scheme}" authentication, which tscompose does not speak (Bearer and Basic only)`);
    }
    const key = scopes.join(' ');
    let job = this.tokens.get(key);
    const now = Date.now();
    if (job) {
      const token = await job.catch(() => undefined);
      if (!token || token.expires < now + 10_000) job = undefined;
    }
    if (!job) {
      job = this.fetchToken(challenge, scopes);
      this.tokens.set(key, job);
      job.catch(() => this.tokens.delete(key));
    }
    return `Bearer ${(await job).value}`;
  }

  /** Checks credentials as `docker login` does: a token for no scope, or `GET /v2/` with Basic. */
  async verifyLogin(): Promise<void> {
    const endpoint = await this.endpoint();
    const auth = await this.authorization([]);
    const res = await send(endpoint, '/v2/', { headers: auth ? { authorization: auth } : {} });
    await res.body.dump();
    if (res.statusCode === 401) throw await this.unauthorized('login');
    if (res.statusCode >= 300) throw new TscError('REGISTRY_ERROR', `login to ${this.registry}: the registry answered ${res.statusCode}`);
  }

  private async fetchToken(challenge: Challenge, scopes: string[]): Promise<Token> {
    const realm = challenge.params.realm;
    if (!realm) throw new TscError('REGISTRY_ERROR', `${this.registry} asks for a Bearer token but names no realm to get it from`);
    const endpoint = await this.endpoint();
    const { credentials } = await this.credentials();
    const url = new URL(realm);
    const service = challenge.params.service;
    let res: Response;
    if (credentials?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.secret, client_id: 'tscompose', ...(service ? { service } : {}) });
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await send({ ...endpoint, base: url.origin }, url.href, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      if (credentials) url.searchParams.set('account', credentials.username);
      const headers: Record<string, string> = credentials ? { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.secret}`).toString('base64')}` } : {};
      res = await send({ ...endpoint, base: url.origin }, url.href, { headers });
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      await res.body.dump();
      throw await this.unauthorized('authentication');
    }
    if (res.statusCode !== 200) {
      const text = (await res.body.text()).slice(0, 200);
      throw new TscError('REGISTRY_AUTH_FAILED', `the token server of ${this.registry} (${url.origin}${url.pathname}) answered ${res.statusCode}: ${text}`);
    }
    const body = (await res.body.json()) as { token?: string; access_token?: string; expires_in?: number };
    const value = body.token ?? body.access_token;
    if (!value) throw new TscError('REGISTRY_AUTH_FAILED', `the token server of ${this.registry} answered without a token`);
    return { value, expires: Date.now() + Math.max(60, body.expires_in ?? 60) * 1000 };
  }

  private async unauthorized(what: string): Promise<TscError> {
    const { credentials, source } = await this.credentials();
    return new TscError('REGISTRY_UNAUTHORIZED', `${what} at ${this.registry}: unauthorized: ${credentials ? `the credentials from ${source} were refused` : `${source}: log in with \`tscompose login ${this.registry}\``}`);
  }
}

/** `repository:library/busybox:pull` */
export function repositoryScope(path: string, actions: 'pull' | 'pull,push'): string {
  return `repository:${path}:${actions}`;
}

const sessions = new Map<string, RegistrySession>();

/** One session per registry and process: tokens are shared by every pull and push of a command. */
export function sessionFor(registry: string): RegistrySession {
  let s = sessions.get(registry);
  if (!s) sessions.set(registry, (s = new RegistrySession(registry)));
  return s;
}
