// tscompose's own files, found from the sources (these tests) and from the
// bundle (dist, which the entry scripts and the CLI run from once built).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { entryScriptArgs, fromSource, packagePath, packageRoot } from '../../src/util/package-files.js';

const s = suite('package-files');

const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** The bundle, or undefined (skipped, failed under CI) when not built. */
function built(): string | undefined {
  const bin = join(REPO, 'dist/bin.js');
  if (existsSync(bin)) return bin;
  if (process.env.CI === 'true') throw new Error(`${bin} is missing: run \`npm run build\` first`);
  console.log('package-files: bundle checks skipped (run `npm run build` first)');
  return undefined;
}

s('from the sources: the package root, its schemas, and entry scripts run through tsx', () => {
  assert.is(fromSource, true);
  assert.is(packageRoot(), REPO);
  assert.ok(existsSync(packagePath('schemas/compose-spec.json')));
  assert.ok(existsSync(packagePath('schemas/seccomp-default.json')));
  const args = entryScriptArgs('engines/embedded/agent/main', 'the agent');
  assert.is(args[0], '--import');
  assert.match(args[1]!, /^file:.*\/tsx\//);
  assert.is(args[2], join(REPO, 'src/engines/embedded/agent/main.ts'));
  assert.throws(() => entryScriptArgs('engines/embedded/agent/none', 'the thing'), /the thing .*none\.ts is missing/);
});

s('from the bundle: the version from package.json, and the entry scripts the engine spawns run on their own', () => {
  const bin = built();
  if (!bin) return;
  const version = spawnSync(process.execPath, [bin, 'version', '--short'], { cwd: '/', encoding: 'utf8' });
  assert.is(version.stdout, `${VERSION}\n`, version.stderr);
  // Without arguments each prints its usage and exits 2: it loaded whole, with no file of src.
  for (const name of ['engines/embedded/agent/main', 'engines/embedded/agent/exit-hook']) {
    const r = spawnSync(process.execPath, [join(REPO, 'dist', `${name}.js`)], { cwd: '/', encoding: 'utf8' });
    assert.is(r.status, 2, `${name}: ${r.stderr}`);
    assert.match(`${r.stdout}${r.stderr}`, /usage: /);
  }
});

s.run();
