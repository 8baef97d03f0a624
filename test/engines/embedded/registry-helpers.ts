// A real registry for tests: Debian's docker-registry on 127.0.0.1 with a
// free port, a config and storage of the test's own; stopped by its pid and
// removed after. Optional htpasswd (Basic) or token (Bearer) authentication.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findInPath } from '../../../src/util/find-in-path.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** bcrypt (cost 4) of "s3cret", as htpasswd -B would write it. */
export const TEST_USER = { username: 'tester', password: 's3cret', bcrypt: '$2b$04$bNzRyminp3ZgQwIvasrgOeyMv3fFkdCamqm4l/fd8U/CBIJa6dFlu' };

export function missingForRegistry(): string[] {
  const missing: string[] = [];
  if (!existsSync(REGISTRY_BIN)) missing.push('docker-registry (`apt-get install docker-registry`)');
  if (!findInPath('skopeo')) missing.push('skopeo (`apt-get install skopeo`)');
  if (!findInPath('zstd')) missing.push('zstd (`apt-get install zstd`)');
  if (!findInPath('openssl')) missing.push('openssl (`apt-get install openssl`)');
  return missing;
}

export interface RegistryAuth {
  htpasswd?: boolean;
  /** Token auth: the realm URL of a token server, and the PEM certificate that signs its tokens. */
  token?: { realm: string; service: string; issuer: string; certFile: string };
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, as image references name it. */
  host: string;
  port: number;
  dir: string;
  /** Kills the registry (SIGKILL: as a crash) and keeps its storage. */
  kill(): Promise<void>;
  /** Starts it again on the same port and storage. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startRegistry(auth: RegistryAuth = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-registry-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log: {level: error, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}, delete: {enabled: true}}`,
    `http: {addr: "127.0.0.1:${port}"}`,
  ];
  if (auth.htpasswd) {
    writeFileSync(join(dir, 'htpasswd'), `${TEST_USER.username}:${TEST_USER.bcrypt}\n`);
    lines.push(`auth: {htpasswd: {realm: tsc-test, path: ${join(dir, 'htpasswd')}}}`);
  }
  if (auth.token) {
    const t = auth.token;
    lines.push(`auth: {token: {realm: "${t.realm}", service: "${t.service}", issuer: "${t.issuer}", rootcertbundle: ${t.certFile}}}`);
  }
  writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
      const up = await fetch(`http://127.0.0.1:${port}/v2/`).then(() => true, () => false);
      if (up) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not answer on 127.0.0.1:${port}: ${stderr}`);
  };
  const halt = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  // A test process that dies (an uncaught error skips `after` hooks) takes its registry along.
  const onExit = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  try {
    await launch();
  } catch (error) {
    await halt('SIGKILL');
    process.off('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    host: `127.0.0.1:${port}`,
    port,
    dir,
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGKILL');
      await launch();
    },
    stop: async () => {
      await halt('SIGTERM');
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** The certificate the registry trusts (rootcertbundle). */
  certFile: string;
  /** Every token request: its scopes, and the user it authenticated (undefined: anonymous). */
  requests: Array<{ scopes: string[]; user?: string }>;
  stop(): Promise<void>;
}

/**
 * A token server of the test's own (node http on loopback): Basic-authenticated
 * requests by TEST_USER get what they ask for; anonymous ones get pull only.
 * Tokens are RS256 JWTs with the signing certificate in `x5c`, as docker/distribution checks them.
 */
export async function startTokenServer(): Promise<TokenServer> {
  const { execFileSync } = await import('node:child_process');
  const { createServer: createHttp } = await import('node:http');
  const { createPrivateKey, randomBytes, sign } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'tsc-token-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=tsc-test-token'], { stdio: 'ignore' });
  const key = createPrivateKey(readFileSync(keyFile));
  const der = readFileSync(certFile, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const service = 'tsc-test-registry';
  const issuer = 'tsc-test-issuer';
  const requests: TokenServer['requests'] = [];
  const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');
  const server = createHttp((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, pass] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    if (basic && (user !== TEST_USER.username || pass !== TEST_USER.password)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    requests.push({ scopes, ...(basic ? { user } : {}) });
    const access = scopes.map((s) => {
      const [type, name, actions] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)];
      return { type, name, actions: actions.split(',').filter((a) => basic || a === 'pull') };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [der] }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub: user ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
    const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), key));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    realm: `http://127.0.0.1:${port}/token`, service, issuer, certFile, requests,
    stop: async () => {
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Locally a missing registry (or root) skips with a printed reason; under CI=true it fails. */
/** What the host lacks for the registry suites (for requireHost). */
export function registryMissing(): string[] {
  return [...missingForRegistry(), ...(process.getuid?.() === 0 ? [] : ['root'])];
}

export interface VariantOptions {
  architecture?: string;
  env?: string[];
  /** Layers added on top: files (path → content), zstd-compressed with the zstd program when asked. */
  layers?: Array<{ files: Record<string, Buffer>; zstd?: boolean; gzip?: boolean }>;
}

/** A new image `ref` made offline from `base` (in `store`): another platform, environment or extra layers. */
export async function commitVariant(store: import('../../../src/engines/embedded/images/store.js').ImageStore, base: string, ref: string, opts: VariantOptions): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  const { writeTar } = await import('../../fixtures/images/busybox.js');
  const { fileDigest } = await import('../../../src/engines/embedded/images/digest.js');
  const { MEDIA } = await import('../../../src/engines/embedded/images/oci.js');
  const { normalizeReference } = await import('../../../src/engines/embedded/images/reference.js');
  const source = await store.pushSource(base);
  const manifest = JSON.parse(source.manifest.toString()) as { layers: Array<{ digest: string; mediaType: string }> };
  const config = JSON.parse((await store.blobs.read(source.id)).toString()) as { architecture: string; config: { Env?: string[] }; rootfs: { diff_ids: string[] }; created?: string };
  const layers = manifest.layers.map((l) => ({ blob: l.digest, mediaType: l.mediaType }));
  // In the store's own temporary directory: adopting a blob is a rename.
  const dir = store.blobs.tempPath('variant');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  try {
    for (const [i, layer] of (opts.layers ?? []).entries()) {
      const tar = join(dir, `layer${i}.tar`);
      await writeTar(tar, Object.entries(layer.files).map(([name, body]) => ({ name, type: 'file' as const, mode: 0o644, size: body.length, body, mtime: new Date('2024-01-01T00:00:00Z') })));
      config.rootfs.diff_ids.push((await fileDigest(tar)).digest);
      let blobFile = tar;
      if (layer.zstd) {
        execFileSync('zstd', ['-q', '-3', tar, '-o', `${tar}.zst`]);
        blobFile = `${tar}.zst`;
      } else if (layer.gzip) {
        execFileSync('gzip', ['-1', '-n', tar]);
        blobFile = `${tar}.gz`;
      }
      const { digest } = await store.blobs.adopt(blobFile);
      layers.push({ blob: digest, mediaType: layer.zstd ? MEDIA.ociLayerZstd : layer.gzip ? MEDIA.ociLayerGzip : MEDIA.ociLayer });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.architecture) config.architecture = opts.architecture;
  if (opts.env) config.config = { ...config.config, Env: opts.env };
  config.created = new Date().toISOString();
  return store.commitImage(Buffer.from(JSON.stringify(config)), layers, { refs: [normalizeReference(ref)] });
}
