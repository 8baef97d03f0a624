// `config` flags whose output depends on the machine (environment, files) or on stdin.
import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from '../harness.js';
import { BIN, runCli } from './cli.js';

const s = suite('config flags');
let dir = '';

s.before.each(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'tsc-config-')));
  writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: "nginx:${TAG:-1}"\n');
  writeFileSync(join(dir, '.env'), 'TAG=2\nFROM_DOTENV=yes\n');
});
s.after.each(() => rmSync(dir, { recursive: true, force: true }));

s('-f - reads the project from stdin; the project dir is the working dir', () => {
  const r = runCli(['-f', '-', 'config'], { cwd: dir, input: 'services:\n  db:\n    image: postgres\n    volumes: [./data:/data]\n' });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, `name: ${dir.split('/').pop()!.toLowerCase().replace(/[^a-z0-9_-]/g, '')}`);
  assert.match(r.stdout, `source: ${dir}/data`);
});

s('a reader that goes away (config | head) ends the command quietly, as SIGPIPE would', () => {
  const services = Array.from({ length: 2000 }, (_, i) => `  s${i}:\n    image: busybox\n    command: sleep ${i}\n`).join('');
  writeFileSync(join(dir, 'compose.yaml'), `services:\n${services}`);
  // More than a pipe holds (64 KiB), read one line of it: the CLI's next write fails with EPIPE.
  const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" config 2>"${dir}/err" | head -1 >/dev/null; echo \${PIPESTATUS[0]}`], { cwd: dir, encoding: 'utf8' });
  assert.is(r.stdout.trim(), '141');
  assert.is(readFileSync(join(dir, 'err'), 'utf8'), '');
});

s('--environment prints the interpolation environment: .env and OS, OS winning', () => {
  const r = runCli(['config', '--environment'], { cwd: dir, env: { TAG: '3' } });
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.ok(lines.includes('TAG=3'));
  assert.ok(lines.includes('FROM_DOTENV=yes'));
});

s('-o writes the output to a file', () => {
  const out = join(dir, 'out.yaml');
  const r = runCli(['config', '-o', out], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.match(readFileSync(out, 'utf8'), 'image: nginx:2');
});

s('project name: -p over COMPOSE_PROJECT_NAME over the directory', () => {
  assert.match(runCli(['-p', 'flagname', 'config'], { cwd: dir, env: { COMPOSE_PROJECT_NAME: 'envname' } }).stdout, /^name: flagname$/m);
  assert.match(runCli(['config'], { cwd: dir, env: { COMPOSE_PROJECT_NAME: 'envname' } }).stdout, /^name: envname$/m);
  const bad = runCli(['-p', 'Bad Name', 'config'], { cwd: dir });
  assert.is(bad.code, 1);
  assert.match(bad.stderr, 'invalid project name "Bad Name"');
});

s('--env-file replaces .env; COMPOSE_DISABLE_ENV_FILE ignores it', () => {
  writeFileSync(join(dir, 'other.env'), 'TAG=9\n');
  assert.match(runCli(['--env-file', 'other.env', 'config'], { cwd: dir }).stdout, 'image: nginx:9');
  assert.match(runCli(['config'], { cwd: dir, env: { COMPOSE_DISABLE_ENV_FILE: 'true' } }).stdout, 'image: nginx:1');
});

s('a named service that does not exist is an error', () => {
  const r = runCli(['config', 'nope'], { cwd: dir });
  assert.is(r.code, 1);
  assert.match(r.stderr, 'no such service: nope');
});

s('unknown flags are usage errors, without a stack trace', () => {
  const r = runCli(['config', '--nope'], { cwd: dir });
  assert.is(r.code, 1);
  assert.match(r.stderr, "unknown option '--nope'");
  assert.not.match(r.stderr, /\n\s+at /);
});

s.run();
