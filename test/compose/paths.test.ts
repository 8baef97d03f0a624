import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { expandHome, isRemoteContext, resolveRelativePaths } from '../../src/compose/paths.js';
import { locate } from '../../src/compose/source.js';
import type { ComposeMap } from '../../src/compose/source.js';

const s = suite('paths');
const HOME = '/home/me';

function plain(value: unknown): any {
  return JSON.parse(JSON.stringify(value));
}

function resolveWeb(service: ComposeMap, opts: { relativeTo?: string } = {}): any {
  const out = resolveRelativePaths({ services: { web: service } }, '/proj', { homeDir: HOME, ...opts });
  return plain(out).services.web;
}

s('build context: local paths resolved, remote contexts kept', () => {
  assert.equal(resolveWeb({ build: { context: '.' } }).build.context, '/proj');
  assert.equal(resolveWeb({ build: { context: './app' } }).build.context, '/proj/app');
  assert.equal(resolveWeb({ build: { context: '/abs' } }).build.context, '/abs');
  assert.equal(resolveWeb({ build: { context: '~/src' } }).build.context, '/home/me/src');
  for (const remote of ['https://github.com/a/b.git', 'git@github.com:a/b.git', 'github.com/a/b', 'git://x/y', 'ssh://x/y']) {
    assert.equal(resolveWeb({ build: { context: remote } }).build.context, remote);
  }
});

s('build additional_contexts and ssh', () => {
  const build = resolveWeb({
    build: {
      context: '.',
      additional_contexts: { lib: '../lib', img: 'docker-image://alpine', svc: 'service:base' },
      ssh: { default: null, key: './id_rsa' },
    },
  }).build;
  assert.equal(build.additional_contexts, { lib: '/lib', img: 'docker-image://alpine', svc: 'service:base' });
  assert.equal(build.ssh, { default: null, key: '/proj/id_rsa' });
});

s('env_file, label_file, extends.file, develop.watch path', () => {
  const web = resolveWeb({
    env_file: [{ path: 'a.env', required: true }, { path: '/etc/b.env', required: false }],
    label_file: ['./labels'],
    extends: { service: 'base', file: '../common/base.yaml' },
    develop: { watch: [{ path: './src', action: 'sync', target: '/app' }] },
  });
  assert.equal(web.env_file, [{ path: '/proj/a.env', required: true }, { path: '/etc/b.env', required: false }]);
  assert.equal(web.label_file, ['/proj/labels']);
  assert.equal(web.extends, { service: 'base', file: '/common/base.yaml' });
  assert.equal(web.develop.watch[0].path, '/proj/src');
  assert.equal(web.develop.watch[0].target, '/app');
});

s('volumes: only bind sources are host paths', () => {
  const web = resolveWeb({
    volumes: [
      { type: 'bind', source: './data', target: '/a' },
      { type: 'bind', source: 'data', target: '/b' },
      { type: 'bind', source: '~/x', target: '/c' },
      { type: 'bind', source: '/abs', target: '/d' },
      { type: 'bind', source: 'C:\\data', target: '/e' },
      { type: 'volume', source: 'named', target: '/f' },
      { type: 'tmpfs', target: '/g' },
    ],
  });
  assert.equal(web.volumes.map((v: any) => v.source), ['/proj/data', '/proj/data', '/home/me/x', '/abs', 'C:\\data', 'named', undefined]);
  assert.equal(web.volumes[0].target, '/a');
});

s('top-level secrets, configs, local bind volumes, include', () => {
  const tree = {
    secrets: { s: { file: './secret.txt' }, e: { external: true } },
    configs: { c: { file: 'conf/app.ini' } },
    volumes: {
      bound: { driver: 'local', driver_opts: { type: 'none', o: 'bind', device: './vol' } },
      other: { driver: 'local', driver_opts: { device: './not-bind' } },
      empty: null,
    },
    include: [{ path: ['inc/compose.yaml'], project_directory: 'inc', env_file: ['inc/.env'] }],
  };
  const out = plain(resolveRelativePaths(tree, '/proj', { homeDir: HOME }));
  assert.equal(out.secrets, { s: { file: '/proj/secret.txt' }, e: { external: true } });
  assert.equal(out.configs.c.file, '/proj/conf/app.ini');
  assert.equal(out.volumes.bound.driver_opts.device, '/proj/vol');
  assert.equal(out.volumes.other.driver_opts.device, './not-bind');
  assert.is(out.volumes.empty, null);
  assert.equal(out.include, [{ path: ['/proj/inc/compose.yaml'], project_directory: '/proj/inc', env_file: ['/proj/inc/.env'] }]);
});

s('relativeTo rewrites relative paths onto another directory', () => {
  const web = resolveWeb(
    { build: { context: '.' }, volumes: [{ type: 'bind', source: './data', target: '/d' }], env_file: [{ path: '/abs.env', required: true }] },
    { relativeTo: '/other' },
  );
  assert.equal(web.build.context, '../proj');
  assert.equal(web.volumes[0].source, '../proj/data');
  assert.equal(web.env_file[0].path, '/abs.env');
  const same = resolveRelativePaths({ services: { web: { build: { context: '.' } } } }, '/proj', { relativeTo: '/proj' });
  assert.equal(plain(same).services.web.build.context, '.');
});

s('other attributes are left alone; input not modified; positions kept', () => {
  const [tree] = parseComposeYaml('services:\n  web:\n    image: ./not-a-path\n    working_dir: ./w\n    build:\n      context: ./app\n', '/proj/compose.yaml');
  const out = resolveRelativePaths(tree!, '/proj');
  assert.equal(plain(out).services.web, { image: './not-a-path', working_dir: './w', build: { context: '/proj/app' } });
  assert.equal(plain(tree).services.web.build.context, './app');
  assert.equal(locate(out, ['services', 'web', 'build', 'context']), { file: '/proj/compose.yaml', line: 6, column: 16 });
});

s('expandHome and isRemoteContext', () => {
  assert.is(expandHome('~', HOME), HOME);
  assert.is(expandHome('~/a', HOME), '/home/me/a');
  assert.is(expandHome('~other/a', HOME), '~other/a');
  assert.ok(isRemoteContext('https://x'));
  assert.not.ok(isRemoteContext('./github.com'));
});

s.run();
