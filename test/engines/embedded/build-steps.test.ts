// Metadata instructions on a stage's state: Docker's rules for ENV, ARG,
// ENTRYPOINT/CMD, HEALTHCHECK and RUN's environment, without running anything.
import * as assert from 'uvu/assert';
import { parseBuildGraph } from '../../../src/build/stages.js';
import type { StageState } from '../../../src/engines/embedded/build/state.js';
import { applyMetadata, runEnvironment } from '../../../src/engines/embedded/build/steps.js';
import { suite } from '../../harness.js';

const s = suite('build steps');

function apply(dockerfile: string, buildArgs: Record<string, string> = {}, base: Partial<StageState> = {}): StageState {
  const graph = parseBuildGraph(dockerfile);
  let state: StageState = { stageIndex: 0, key: 'k', layers: [], config: {}, history: [], created: '', os: 'linux', architecture: 'amd64', args: new Map(), cmdFromBase: true, ...base };
  for (const ins of graph.stages[0]!.instructions) state = applyMetadata(graph, state, ins, new Map(Object.entries(buildArgs)), new Map()) ?? state;
  return state;
}

s('ENV pairs of one instruction expand with the environment from before it', () => {
  const st = apply('FROM x\nENV a=1\nENV a=2 b=$a\nENV c="${b:-none} ${missing:-dflt}"\n');
  assert.equal(st.config.Env, ['a=2', 'b=1', 'c=1 dflt']);
});

s('ARG: build args override defaults, ENV wins over ARG, RUN sees ARGs and proxies but keys only ARGs', () => {
  const st = apply('FROM x\nARG A=default\nARG B\nARG C=c\nENV C=from-env\n', { A: 'given', HTTP_PROXY: 'http://proxy' });
  assert.is(st.args.get('A'), 'given');
  assert.is(st.args.get('B'), undefined);
  const { env, keyed } = runEnvironment(st, new Map([['HTTP_PROXY', 'http://proxy']]));
  assert.equal(env, { A: 'given', HTTP_PROXY: 'http://proxy' });
  assert.equal(keyed, { A: 'given' });
});

s('ENTRYPOINT clears a CMD inherited from the base image, not one set in the stage', () => {
  const inherited = apply('FROM x\nENTRYPOINT ["run"]\n', {}, { config: { Cmd: ['base'] } });
  assert.equal(inherited.config.Cmd, null);
  const own = apply('FROM x\nCMD ["mine"]\nENTRYPOINT ["run"]\n', {}, { config: { Cmd: ['base'] } });
  assert.equal(own.config.Cmd, ['mine']);
  const shell = apply('FROM x\nSHELL ["/bin/bash", "-c"]\nCMD echo hi\n');
  assert.equal(shell.config.Cmd, ['/bin/bash', '-c', 'echo hi']);
});

s('HEALTHCHECK, EXPOSE, VOLUME, USER, LABEL, STOPSIGNAL set the config; each changes the key', () => {
  const st = apply('FROM x\nARG P=8080\nEXPOSE $P 53/udp\nVOLUME ["/data"]\nUSER app:app\nLABEL a=b "c d"=e\nSTOPSIGNAL SIGQUIT\nHEALTHCHECK --interval=5s --retries=2 CMD wget -q localhost\n');
  assert.equal(st.config.ExposedPorts, { '8080/tcp': {}, '53/udp': {} });
  assert.equal(st.config.Volumes, { '/data': {} });
  assert.is(st.config.User, 'app:app');
  assert.equal(st.config.Labels, { a: 'b', 'c d': 'e' });
  assert.is(st.config.StopSignal, 'SIGQUIT');
  assert.equal(st.config.Healthcheck, { Test: ['CMD-SHELL', 'wget -q localhost'], Interval: 5e9, Retries: 2 });
  assert.is.not(st.key, 'k');
});

s.run();
