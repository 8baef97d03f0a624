import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { checkServices } from '../../src/cli/format/project-containers.js';
import type { ContainerSummary } from '../../src/engine/types.js';
import { LABEL } from '../../src/stack/labels.js';

const s = suite('project containers');

const container = (service: string) => ({ labels: { [LABEL.service]: service } }) as unknown as ContainerSummary;

s('a service of the files is known', () => {
  checkServices({ name: 'p', services: ['web'] }, ['web'], []);
});

s('a service of a disabled profile is known by its containers', () => {
  checkServices({ name: 'p', services: ['web'] }, ['worker'], [container('worker')]);
});

s('anything else is no such service', () => {
  assert.throws(() => checkServices({ name: 'p', services: ['web'] }, ['nope'], [container('worker')]), /no such service: nope/);
  assert.throws(() => checkServices({ name: 'p' }, ['nope'], []), /no such service: nope/);
});

s.run();
