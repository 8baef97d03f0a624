// Every real-world Compose file of ../shared/corpus loads: `config -q` exits 0 and
// `config` prints canonical YAML.
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { suite } from '../harness.js';
import { REPO, runCli } from './cli.js';

const CORPUS = join(REPO, '..', 'shared', 'corpus');
const s = suite('corpus');

function projects(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, name.name);
    if (name.isDirectory()) {
      if (['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'].some((f) => existsSync(join(full, f)))) out.push(full);
      else out.push(...projects(full));
    }
  }
  return out.sort();
}

s('the corpus is there', () => {
  assert.ok(existsSync(CORPUS), `corpus not found at ${CORPUS}`);
  assert.ok(projects(CORPUS).length >= 30);
});

for (const dir of existsSync(CORPUS) ? projects(CORPUS) : []) {
  const name = dir.slice(CORPUS.length + 1);
  s(`${name}: config -q exits 0, config prints canonical YAML`, () => {
    const q = runCli(['config', '-q'], { cwd: dir });
    assert.is(q.stderr.replace(/^WARN\[0000\].*\n/gm, ''), '', `stderr of config -q in ${name}`);
    assert.is(q.code, 0);
    assert.is(q.stdout, '');
    const r = runCli(['config'], { cwd: dir });
    assert.is(r.code, 0, r.stderr);
    const model = parse(r.stdout) as { name: string; services: Record<string, Record<string, unknown>> };
    assert.type(model.name, 'string');
    assert.ok(Object.keys(model.services).length > 0);
    for (const [svc, cfg] of Object.entries(model.services)) {
      // canonical: long syntax everywhere a short one was allowed
      for (const p of (cfg.ports ?? []) as unknown[]) assert.type(p, 'object', `${svc} port`);
      for (const v of (cfg.volumes ?? []) as unknown[]) assert.type(v, 'object', `${svc} volume`);
      if (cfg.environment) assert.not.ok(Array.isArray(cfg.environment), `${svc} environment`);
      if (!cfg.network_mode) assert.type(cfg.networks, 'object', `${svc} networks`);
      assert.not.ok('env_file' in cfg, `${svc} env_file folded`);
    }
  });
}

s.run();
