// .dockerignore with Docker's pattern rules (moby/patternmatcher).
import * as assert from 'uvu/assert';
import { isIgnored, parseDockerignore } from '../../src/build/dockerignore.js';
import { suite } from '../harness.js';

const s = suite('dockerignore');

const cases: Array<[string, Record<string, boolean>]> = [
  ['node_modules\n*.log\n', { 'node_modules': true, 'node_modules/a/b.js': true, 'app.log': true, 'src/app.log': false, 'src/app.js': false }],
  ['**/*.log\n', { 'app.log': true, 'src/deep/x.log': true, 'src/x.txt': false }],
  ['*.md\n!README.md\n', { 'CHANGES.md': true, 'README.md': false }],
  ['docs\n!docs/keep.txt\n', { 'docs/a.txt': true, 'docs/keep.txt': false }],
  ['# comment\n/build/\n./tmp\n', { 'build/x': true, 'tmp': true, '# comment': false }],
  ['src/**/test\n', { 'src/test': true, 'src/a/b/test/x.js': true, 'src/a/testing': false }],
  ['a?c\n[xy].txt\n', { 'abc': true, 'abbc': false, 'x.txt': true, 'z.txt': false }],
  ['*\n!keep\n', { 'anything': true, 'keep': false }],
];

s('patterns decide as Docker does, the last match wins', () => {
  for (const [text, expected] of cases) {
    const patterns = parseDockerignore(text);
    for (const [path, ignored] of Object.entries(expected)) assert.is(isIgnored(patterns, path), ignored, `${JSON.stringify(text)} on ${path}`);
  }
});

s.run();
