import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as assert from 'uvu/assert';
import { suite } from '../../harness.js';
import { findCredentials, registryAuthHeader, storeCredentials, eraseCredentials } from '../../../src/engines/embedded/registry/credentials.js';
import { responseError } from '../../../src/engines/embedded/registry/errors.js';
import { insecureRegistries, isInsecureRegistry } from '../../../src/engines/embedded/registry/insecure.js';
import { parsePlatform, selectManifest } from '../../../src/engines/embedded/registry/platform.js';
import { networkError, type Response } from '../../../src/engines/embedded/registry/transport.js';
import { parseChallenge } from '../../../src/engines/embedded/registry/www-authenticate.js';
import { createProgress } from '../../../src/cli/progress.js';
import { progressBar } from '../../../src/cli/progress/ensure-images.js';
import { TscError } from '../../../src/util/errors.js';
import { Writable } from 'node:stream';

const s = suite('registry units');

s('WWW-Authenticate challenges', () => {
  assert.equal(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
    scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
  });
  assert.equal(parseChallenge('Basic realm="tsc test"'), { scheme: 'basic', params: { realm: 'tsc test' } });
});

const desc = (architecture: string, variant?: string, os = 'linux') => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${architecture}${variant ?? ''}`, size: 1, platform: { os, architecture, ...(variant ? { variant } : {}) } });

s('platforms: parse, pick from an index, and list what it offers when nothing matches', () => {
  assert.equal(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64' });
  assert.equal(parsePlatform('arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.equal(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64' });
  const index = [desc('amd64'), desc('arm', 'v6'), desc('arm', 'v7'), desc('arm64', 'v8'), desc('unknown', undefined, 'unknown')];
  assert.is(selectManifest(index, parsePlatform('linux/arm/v7'), 'x').digest, 'sha256:armv7');
  assert.is(selectManifest(index, parsePlatform('linux/arm64'), 'x').digest, 'sha256:arm64v8');
  assert.throws(() => selectManifest(index, parsePlatform('linux/s390x'), 'busybox'),
    (e: unknown) => e instanceof TscError && e.message.includes('no matching manifest for linux/s390x in the manifest list entries of busybox: it offers linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64/v8'));
});

s('insecure registries: loopback always, listed hosts and CIDRs', () => {
  const list = insecureRegistries({ env: { TSCOMPOSE_INSECURE_REGISTRIES: 'reg.lan:5000, 10.1.0.0/16' }, daemonJson: '/nonexistent' });
  assert.equal(list, ['reg.lan:5000', '10.1.0.0/16']);
  assert.ok(isInsecureRegistry('127.0.0.1:5000', []));
  assert.ok(isInsecureRegistry('localhost:5000', []));
  assert.ok(isInsecureRegistry('[::1]:5000', []));
  assert.ok(isInsecureRegistry('reg.lan:5000', list));
  assert.not.ok(isInsecureRegistry('reg.lan:5001', list));
  assert.ok(isInsecureRegistry('10.1.2.3:443', list));
  assert.not.ok(isInsecureRegistry('10.2.0.1', list));
  assert.not.ok(isInsecureRegistry('ghcr.io', list));
});

s('credentials: auths, helpers, and what login/logout write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-creds-'));
  try {
    const env = { DOCKER_CONFIG: dir, PATH: `${dir}:${process.env.PATH ?? ''}` };
    assert.match((await findCredentials('reg:5000', env)).source, `no credentials for reg:5000 in ${join(dir, 'config.json')}`);
    await storeCredentials('reg:5000', { username: 'u', secret: 'p' }, env);
    await storeCredentials('docker.io', { username: 'hub', secret: 'h' }, env);
    const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Object.keys(saved.auths), ['reg:5000', 'https://index.docker.io/v1/']);
    assert.equal((await findCredentials('docker.io', env)).credentials, { username: 'hub', secret: 'h' });
    assert.equal(JSON.parse(Buffer.from((await registryAuthHeader('docker.io', env))!, 'base64url').toString()), { username: 'hub', password: 'h', serveraddress: 'https://index.docker.io/v1/' });
    assert.ok(await eraseCredentials('reg:5000', env));
    assert.not.ok(await eraseCredentials('reg:5000', env));
    writeFileSync(join(dir, 'docker-credential-unit'), '#!/bin/sh\nread s\n[ "$s" = "other:1" ] && echo \'{"Username":"<token>","Secret":"tok"}\' && exit 0\necho "credentials not found in native keychain"; exit 1\n');
    chmodSync(join(dir, 'docker-credential-unit'), 0o755);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'unit', auths: { 'reg:5000': { auth: Buffer.from('a:b').toString('base64') } } }));
    const fromHelper = await findCredentials('other:1', env);
    assert.equal(fromHelper.credentials, { username: '', secret: 'tok', identityToken: true });
    assert.match(fromHelper.source, 'docker-credential-unit');
    assert.equal((await findCredentials('reg:5000', env)).credentials, { username: 'a', secret: 'b' }, 'a helper without them falls back to auths');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function fakeResponse(statusCode: number, body: string, headers: Record<string, string> = {}): Response {
  return { statusCode, headers, body: Readable.from([Buffer.from(body)]) } as unknown as Response;
}

s('registry answers as errors a user can act on', async () => {
  const ctx = { what: 'pull busybox', repository: 'busybox', credentialSource: 'no credentials for docker.io in /root/.docker/config.json' };
  const limited = await responseError(fakeResponse(429, '{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}', { 'retry-after': '30' }), ctx);
  assert.is(limited.code, 'REGISTRY_RATE_LIMITED');
  assert.match(limited.message, 'retry in 30 seconds');
  assert.match(limited.message, 'tscompose login');
  const denied = await responseError(fakeResponse(401, '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'), ctx);
  assert.is(denied.code, 'REGISTRY_UNAUTHORIZED');
  assert.match(denied.message, 'credentials: no credentials for docker.io in /root/.docker/config.json');
  const unknown = await responseError(fakeResponse(404, '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}'), ctx);
  assert.is(unknown.code, 'REGISTRY_NOT_FOUND');
  const tls = networkError({ registry: 'reg.example', base: 'https://reg.example' }, Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }) }));
  assert.is((tls as TscError).code, 'REGISTRY_TLS');
  assert.match(tls.message, 'NODE_EXTRA_CA_CERTS');
});

s('pull progress: layers under their service, as docker compose pull shows them', () => {
  let text = '';
  const out = Object.assign(new Writable({ write(c, _e, cb) { text += c.toString(); cb(); } }), { isTTY: false, columns: 100 }) as unknown as NodeJS.WriteStream;
  const p = createProgress({ mode: 'tty', out, title: 'Pulling', color: false });
  p.onEvent({ kind: 'Service', name: 'web', status: 'Pulling', state: 'working' });
  p.onEvent({ kind: 'Service', name: 'db', status: 'Pulling', state: 'working' });
  p.onEvent({ kind: 'Layer', name: 'aaaaaaaaaaaa', parent: 'db', status: 'Already exists', state: 'done' });
  p.onEvent({ kind: 'Layer', name: 'bbbbbbbbbbbb', parent: 'web', status: 'Downloading', state: 'working', detail: progressBar(1_200_000, 3_400_000, 10) });
  p.onEvent({ kind: 'Service', name: 'web', status: 'Pulled', state: 'done' });
  p.done();
  const frame = text.split('[+]').at(-1)!.split('\n').map((l) => l.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\s+\d+\.\ds$/, '').replace(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/, '⠋').trimEnd());
  assert.equal(frame.slice(0, 5), [
    ' Pulling 2/4',
    ' ✔ web             Pulled',
    '   ⠋ bbbbbbbbbbbb  Downloading [===>      ]  1.2MB/3.4MB',
    ' ⠋ db              Pulling',
    '   ✔ aaaaaaaaaaaa  Already exists',
  ]);
});

s.run();
