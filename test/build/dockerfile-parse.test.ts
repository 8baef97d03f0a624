// The Dockerfile front end: directives, continuations, comments, heredocs,
// forms, stages, substitution rules and errors naming Dockerfile:LINE.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { DockerfileError } from '../../src/build/errors.js';
import { parseDockerfile } from '../../src/build/parse.js';
import { metaArgValues, neededStages, parseBuildGraph, targetStage } from '../../src/build/stages.js';
import { expandWord, expandWords } from '../../src/build/shell-lex.js';
import { suite } from '../harness.js';

const s = suite('dockerfile parse');
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/dockerfile/${name}`, import.meta.url)), 'utf8');

function failsAt(text: string, line: number, message: RegExp): void {
  try {
    parseBuildGraph(text);
  } catch (error) {
    assert.instance(error, DockerfileError);
    assert.is((error as DockerfileError).line, line);
    assert.match((error as DockerfileError).format(), message);
    assert.ok((error as DockerfileError).format().startsWith(`Dockerfile:${line}: `));
    return;
  }
  assert.unreachable('expected a DockerfileError');
}

s('continuations, comments inside them, the escape directive, and syntax ignored with a note', () => {
  const p = parseDockerfile(fixture('continuations.Dockerfile'));
  assert.is(p.escape, '`');
  assert.is(p.syntax, 'docker/dockerfile:1');
  assert.match(p.warnings[0]!, /ignored/);
  const run = p.instructions.find((i) => i.keyword === 'RUN')!;
  assert.is(run.args, 'echo one &&     echo two');
  assert.is(run.line, 5);
  assert.equal(p.instructions.map((i) => [i.keyword, i.line]), [['FROM', 4], ['RUN', 5], ['COPY', 9]]);
  assert.equal(p.instructions[2]!.flags, ['--chown=1:1', '--from=build']);
});

s('heredocs: RUN script, COPY file, quoted delimiters not expanded, <<- strips tabs', () => {
  const p = parseDockerfile(fixture('heredoc.Dockerfile'));
  const [, run, copy] = p.instructions;
  assert.equal(run!.heredocs, [{ name: 'EOF', content: 'echo a\necho b\n', expand: true }]);
  assert.equal(copy!.heredocs, [{ name: 'END', content: 'x=$HOME\n', expand: false }]);
  assert.is(p.instructions[3]!.heredocs[0]!.content, 'indented\n');
  assert.is(p.instructions.at(-1)!.keyword, 'CMD');
});

s('stages: ARG before FROM, names, target, unused stages skipped', () => {
  const g = parseBuildGraph(fixture('stages.Dockerfile'));
  const meta = metaArgValues(g, new Map([['VERSION', '2']]));
  assert.is(meta.get('VERSION'), '2');
  assert.is(meta.get('BASE'), 'busybox');
  assert.equal(g.stages.map((st) => st.name), ['build', 'unused', 'final']);
  const need = neededStages(g, targetStage(g), meta);
  assert.equal(need.map((st) => st.name), ['build', 'final']);
  assert.equal(neededStages(g, targetStage(g, 'unused'), meta).map((st) => st.name), ['unused']);
});

s('forms: JSON exec form, shell form, and invalid JSON read as shell', () => {
  const g = parseBuildGraph('FROM busybox\nCMD ["a", "b"]\nENTRYPOINT echo hi\nRUN [not json\n');
  const [cmd, ep, run] = g.stages[0]!.instructions;
  assert.equal(cmd!.kind === 'CMD' && cmd!.cmd, { exec: ['a', 'b'] });
  assert.equal(ep!.kind === 'ENTRYPOINT' && ep!.cmd, { shell: 'echo hi' });
  assert.equal(run!.kind === 'RUN' && run!.cmd, { shell: '[not json' });
});

s('errors name Dockerfile:LINE', () => {
  failsAt('FROM busybox\n\nFROBNICATE x\n', 3, /unknown instruction: FROBNICATE/);
  failsAt('RUN echo\n', 1, /before the first FROM/);
  failsAt('FROM busybox\nCOPY --bogus=1 a b\n', 2, /unknown flag: --bogus/);
  failsAt('FROM busybox\nCOPY onlyone\n', 2, /requires at least two arguments/);
  failsAt('FROM a AS x\nFROM b AS x\n', 2, /duplicate stage name/);
  failsAt('FROM busybox\nRUN cat <<EOF\nnever ends\n', 2, /unterminated heredoc/);
  failsAt('FROM busybox\nONBUILD ONBUILD RUN x\n', 2, /Chaining ONBUILD/);
});

s('substitution: Docker modifiers, quotes, escapes', () => {
  const env = new Map([['A', 'x'], ['EMPTY', ''], ['P', 'pre-mid-suf']]);
  assert.is(expandWord('$A ${A}', env), 'x x');
  assert.is(expandWord('${UNSET:-def} ${EMPTY:-def} ${EMPTY-def}', env), 'def def ');
  assert.is(expandWord('${A:+alt} ${UNSET:+alt} ${EMPTY+alt}', env), 'alt  alt');
  assert.is(expandWord("'$A' \"$A\" \\$A", env), '$A x $A');
  assert.is(expandWord('${P#pre-} ${P%-suf}', env), 'mid-suf pre-mid');
  assert.is(expandWord('${UNSET:-${A}}', env), 'x');
  assert.throws(() => expandWord('${UNSET:?must be set}', env), /UNSET: must be set/);
  assert.equal(expandWords('a "b c" $A', env), ['a', 'b c', 'x']);
  const used = new Set<string>();
  expandWord('$A ${B:-1}', env, { used });
  assert.equal([...used].sort(), ['A', 'B']);
  assert.is(expandWord('`$A', env, { escape: '`' }), '$A');
});

s.run();
