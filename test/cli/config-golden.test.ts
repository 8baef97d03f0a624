// Table-driven: each folder of test/fixtures/compose is a case. It holds the project
// files, optionally `args` (CLI arguments, one per line, default `config`) and `env`
// (KEY=VALUE lines of OS environment), and either `expected.out` (stdout, exit 0) or
// `expected-error.txt` (stderr, exit 1). `$DIR` in expectations stands for the case folder.
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from '../harness.js';
import { REPO, runCli } from './cli.js';

const CASES = join(REPO, 'test', 'fixtures', 'compose');
const s = suite('config golden');

function read(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

for (const name of readdirSync(CASES).sort()) {
  const dir = join(CASES, name);
  const args = read(join(dir, 'args'))?.split('\n').filter((l) => l !== '') ?? ['config'];
  const env = Object.fromEntries((read(join(dir, 'env')) ?? '').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const expected = read(join(dir, 'expected.out'));
  const expectedError = read(join(dir, 'expected-error.txt'));
  s(name, () => {
    const r = runCli(args, { cwd: dir, env });
    if (expectedError !== undefined) {
      assert.is(r.stderr.replaceAll(dir, '$DIR'), expectedError);
      assert.is(r.code, 1);
      assert.not.match(r.stderr, /\n\s+at .*:\d+:\d+/, 'no stack trace');
    } else {
      assert.is(r.stdout.replaceAll(dir, '$DIR'), expected ?? '(expected.out missing)');
      assert.is(r.code, 0, r.stderr);
    }
  });
}

s.run();
