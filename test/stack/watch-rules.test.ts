// Unit tests of watch's pure parts: .dockerignore matching, rules, batching.
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { createBatcher } from '../../src/stack/watch/batch.js';
import { EPHEMERAL_PATTERNS, parseIgnoreFile, patternMatcher } from '../../src/stack/watch/ignore-patterns.js';
import { compileRule, planBatch } from '../../src/stack/watch/rules.js';
import type { WatchRule } from '../../src/compose/develop.js';

const s = suite('watch rules');

const matches = (patterns: string[], path: string) => patternMatcher('/p', patterns).matches(`/p/${path}`);

s('patterns: *, ?, ** and parents, as .dockerignore', () => {
  assert.ok(matches(['*.log'], 'a.log'));
  assert.not.ok(matches(['*.log'], 'dir/a.log'), '* stays within one element');
  assert.ok(matches(['**/*.log'], 'dir/sub/a.log'));
  assert.ok(matches(['**/*.log'], 'a.log'), '**/ also matches no directory');
  assert.ok(matches(['node_modules'], 'node_modules/x/y.js'), 'a matched parent takes its children');
  assert.ok(matches(['/build/'], 'build/out.o'), 'leading and trailing slashes are cleaned');
  assert.ok(matches(['a?c'], 'abc'));
  assert.not.ok(matches(['a?c'], 'a/c'));
  assert.ok(matches(['[a-c].txt'], 'b.txt'));
  assert.not.ok(matches(['[!a-c].txt'], 'b.txt'));
  assert.ok(matches(['x\\*'], 'x*'));
  assert.not.ok(matches(['x\\*'], 'xy'));
  assert.ok(matches(['docs/**'], 'docs/a/b.md'));
  assert.not.ok(matches(['*.log'], '../outside.log'), 'paths outside the root never match');
});

s('patterns: the last match wins, ! takes back', () => {
  assert.not.ok(matches(['*.md', '!README.md'], 'README.md'));
  assert.ok(matches(['*.md', '!README.md'], 'CHANGES.md'));
  assert.ok(matches(['*.md', '!README.md', 'README*'], 'README.md'));
  assert.not.ok(matches(['!keep', 'other'], 'keep'));
});

s('ignore files: comments and blank lines dropped', () => {
  assert.equal(parseIgnoreFile('# c\n\nnode_modules\r\n  *.tmp  \n'), ['node_modules', '*.tmp']);
});

s('editors\' temporary files are ignored', () => {
  const m = patternMatcher('/p', EPHEMERAL_PATTERNS);
  for (const f of ['src/.a.swp', 'a~', '.idea/ws.xml', '4913', 'x/.#lock', 'f___jb_tmp___']) assert.ok(m.matches(`/p/${f}`), f);
  assert.not.ok(m.matches('/p/src/a.js'));
});

const rule = (partial: Partial<WatchRule>): WatchRule => ({ service: 'web', path: '/p/src', action: 'sync', target: '/app', ignore: [], include: [], initialSync: false, ...partial });

s('planBatch: maps paths to targets, applies ignore/include, one exec per rule', () => {
  const rules = [
    compileRule(rule({ ignore: ['*.tmp'] })),
    compileRule(rule({ service: 'api', action: 'sync+exec', include: ['*.conf'], exec: { command: ['reload'] } })),
    compileRule(rule({ service: 'db', path: '/p/db.conf', action: 'restart', target: undefined })),
    compileRule(rule({ service: 'web2' }), { context: '/p', patterns: ['src/secret'] }),
  ];
  const work = planBatch(['/p/src/a.js', '/p/src/x.tmp', '/p/src/n.conf', '/p/src/m.conf', '/p/db.conf', '/p/other', '/p/src/.git/HEAD', '/p/src/secret/k'], rules);
  assert.equal(work.get('web')!.sync.filter((f) => f.hostPath === '/p/src/a.js'), [{ hostPath: '/p/src/a.js', containerPath: '/app/a.js' }]);
  assert.not.ok(work.get('web')!.sync.some((f) => f.hostPath.endsWith('x.tmp')), 'ignored');
  assert.not.ok(work.get('web')!.sync.some((f) => f.hostPath.includes('.git')), '.git is never synced');
  assert.equal(work.get('web')!.sync.filter((f) => f.hostPath.includes('secret')).length, 1);
  assert.equal(work.get('web2')!.sync.filter((f) => f.hostPath.includes('secret')).length, 0, 'the build context\'s .dockerignore');
  assert.equal(work.get('api')!.sync.map((f) => f.containerPath), ['/app/m.conf', '/app/n.conf']);
  assert.equal(work.get('api')!.exec, [{ command: ['reload'] }]);
  assert.ok(work.get('db')!.restart);
  assert.equal(work.get('db')!.sync, []);
  assert.is(work.has('other'), false);
});

s('batcher: a burst is one batch, each path once', async () => {
  const batches: string[][] = [];
  const b = createBatcher((paths) => batches.push(paths), 20);
  for (let i = 0; i < 500; i++) b.add(`/p/f${i}`);
  b.add('/p/f1');
  await new Promise((r) => setTimeout(r, 60));
  assert.is(batches.length, 1);
  assert.is(batches[0]!.length, 500);
  b.add('/p/late');
  b.flush();
  assert.equal(batches[1], ['/p/late']);
  b.add('/p/dropped');
  b.close();
  await new Promise((r) => setTimeout(r, 40));
  assert.is(batches.length, 2);
});

s.run();
