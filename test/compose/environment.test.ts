import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { resolveProjectEnvironment } from '../../src/compose/environment.js';
import { ComposeError } from '../../src/util/errors.js';

const s = suite('environment', { root: '' });

s.before.each((ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'tsc-env-'));
});
s.after.each((ctx) => {
  rmSync(ctx.root, { recursive: true, force: true });
});

/** Writes files given as `{ 'relative/path': 'content' }` under `root`. */
function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}

function errorOf(fn: () => unknown): ComposeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ComposeError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

s('reads .env of the project directory; the OS environment wins', ({ root }) => {
  writeTree(root, { 'proj/.env': 'A=from-file\nB=from-file\nC=${B}-ref\n' });
  const projectDir = join(root, 'proj');
  const result = resolveProjectEnvironment({ projectDir, workingDir: root, osEnv: { A: 'from-os', UNDEF: undefined } });
  assert.equal(result.env, { A: 'from-os', B: 'from-file', C: 'from-file-ref' });
  assert.equal(result.envFiles, [join(projectDir, '.env')]);
});

s('.env values can use the OS environment, which wins over earlier keys', ({ root }) => {
  writeTree(root, { '.env': 'TAG=file\nIMAGE=app:${TAG}\nHOME_DIR=$HOME\n' });
  const { env } = resolveProjectEnvironment({ projectDir: root, workingDir: root, osEnv: { HOME: '/home/me', TAG: 'os' } });
  assert.equal(env, { HOME: '/home/me', TAG: 'os', IMAGE: 'app:os', HOME_DIR: '/home/me' });
});

s('COMPOSE_* settings come from .env too', ({ root }) => {
  writeTree(root, { '.env': 'COMPOSE_PROJECT_NAME=from-dotenv\nCOMPOSE_PROFILES=debug\n' });
  const { env } = resolveProjectEnvironment({ projectDir: root, workingDir: root, osEnv: { COMPOSE_PROFILES: 'os' } });
  assert.is(env.COMPOSE_PROJECT_NAME, 'from-dotenv');
  assert.is(env.COMPOSE_PROFILES, 'os');
});

s('no .env, or a directory named .env: only the OS environment', ({ root }) => {
  assert.equal(resolveProjectEnvironment({ projectDir: root, workingDir: root, osEnv: { X: '1' } }), { env: { X: '1' }, envFiles: [] });
  mkdirSync(join(root, '.env'));
  assert.equal(resolveProjectEnvironment({ projectDir: root, workingDir: root, osEnv: {} }), { env: {}, envFiles: [] });
});

s('--env-file replaces .env; relative to the working directory', ({ root }) => {
  writeTree(root, { 'proj/.env': 'A=dotenv\nONLY_DOTENV=1\n', 'cwd/custom.env': 'A=custom\n' });
  const result = resolveProjectEnvironment({ projectDir: join(root, 'proj'), workingDir: join(root, 'cwd'), envFiles: ['custom.env'], osEnv: {} });
  assert.equal(result.env, { A: 'custom' });
  assert.equal(result.envFiles, [join(root, 'cwd', 'custom.env')]);
});

s('several --env-file: later files win, and see earlier ones', ({ root }) => {
  writeTree(root, { 'a.env': 'A=a\nB=a\n', 'b.env': 'B=b\nC=${A}+${B}\n' });
  const { env, envFiles } = resolveProjectEnvironment({ projectDir: root, workingDir: root, envFiles: ['a.env', join(root, 'b.env')], osEnv: {} });
  assert.equal(env, { A: 'a', B: 'b', C: 'a+a' });
  assert.equal(envFiles, [join(root, 'a.env'), join(root, 'b.env')]);
});

s('a missing --env-file is an error naming it', ({ root }) => {
  const err = errorOf(() => resolveProjectEnvironment({ projectDir: root, workingDir: root, envFiles: ['nope.env'], osEnv: {} }));
  assert.is(err.message, `Couldn't find env file: ${join(root, 'nope.env')}`);
});

s('COMPOSE_ENV_FILES stands for --env-file when no flag is given', ({ root }) => {
  writeTree(root, { '.env': 'A=dotenv\n', 'one.env': 'A=one\n', 'two.env': 'B=two\n' });
  const osEnv = { COMPOSE_ENV_FILES: 'one.env,two.env' };
  assert.equal(resolveProjectEnvironment({ projectDir: root, workingDir: root, osEnv }).env, { ...osEnv, A: 'one', B: 'two' });
  assert.equal(resolveProjectEnvironment({ projectDir: root, workingDir: root, envFiles: ['two.env'], osEnv }).env, { ...osEnv, B: 'two' });
});

s('COMPOSE_DISABLE_ENV_FILE skips .env but not --env-file', ({ root }) => {
  writeTree(root, { '.env': 'A=dotenv\n', 'x.env': 'X=x\n' });
  for (const value of ['true', '1', 'TRUE', 't']) {
    const osEnv = { COMPOSE_DISABLE_ENV_FILE: value };
    assert.equal(resolveProjectEnvironment({ projectDir: root, workingDir: root, osEnv }).env, osEnv, value);
  }
  const off = { COMPOSE_DISABLE_ENV_FILE: 'false' };
  assert.equal(resolveProjectEnvironment({ projectDir: root, workingDir: root, osEnv: off }).env, { ...off, A: 'dotenv' });
  const on = { COMPOSE_DISABLE_ENV_FILE: 'true' };
  assert.equal(resolveProjectEnvironment({ projectDir: root, workingDir: root, envFiles: ['x.env'], osEnv: on }).env, { ...on, X: 'x' });
  // a .env in the file itself does not disable it: only the OS environment does
  writeTree(root, { '.env': 'COMPOSE_DISABLE_ENV_FILE=true\nA=dotenv\n' });
  assert.is(resolveProjectEnvironment({ projectDir: root, workingDir: root, osEnv: {} }).env.A, 'dotenv');
});

s('an invalid COMPOSE_DISABLE_ENV_FILE is an error', ({ root }) => {
  const err = errorOf(() => resolveProjectEnvironment({ projectDir: root, workingDir: root, osEnv: { COMPOSE_DISABLE_ENV_FILE: 'yes' } }));
  assert.match(err.message, 'COMPOSE_DISABLE_ENV_FILE');
});

s('syntax errors in .env name the file, line and column', ({ root }) => {
  writeTree(root, { '.env': 'OK=1\nBAD="open\n' });
  const err = errorOf(() => resolveProjectEnvironment({ projectDir: root, workingDir: root, osEnv: {} }));
  assert.equal(err.pos, { file: join(root, '.env'), line: 2, column: 5 });
});

s.run();
