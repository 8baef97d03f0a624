// A real registry for tests: Debian's docker-registry on 127.0.0.1 with a
// free port, a config and storage of the test's own; stopped by its pid and
// removed after. Optional htpasswd (Basic) or token (Bearer) authentication.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findInPath } from '../../../src/engines/embedded/runtime/runc.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** bcrypt (cost 4) of "s3cret", as htpasswd -B would write it. */
export const TEST_USER = { username: 'tester', password: 's3cret', bcrypt: '$2b$04$bNzRyminp3ZgQwIvasrgOeyMv3fFkdCamqm4l/fd8U/CBIJa6dFlu' };

export function missingForRegistry(): string[] {
  const missing: string[] = [];
  if (!existsSync(REGISTRY_BIN)) missing.push('docker-registry (`apt-get install docker-registry`)');
  if (!findInPath('skopeo')) missing.push('skopeo (`apt-get install skopeo`)');
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
  try {
    await launch();
  } catch (error) {
    await halt('SIGKILL');
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
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
