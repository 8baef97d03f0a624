import * as assert from 'uvu/assert';
import { combinedStatus, listProjects, renderProjects } from '../../src/cli/commands/ls.js';
import type { ContainerSummary } from '../../src/engine/types.js';
import { suite } from '../harness.js';

const s = suite('ls formatting');

function c(project: string, status: 'running' | 'exited'): ContainerSummary {
  return {
    id: 'x', name: `${project}-web-1`, image: 'busybox', imageId: '', created: '2024-01-01T00:00:00Z', ports: [], command: [],
    labels: { 'com.docker.compose.project': project, 'com.docker.compose.project.config_files': `/srv/${project}/compose.yaml` },
    state: { status, running: status === 'running', paused: false, restarting: false, pid: 0, exitCode: 0, startedAt: '', finishedAt: '', restartCount: 0 },
  };
}

s('combined status as compose: sorted, counted', () => {
  assert.is(combinedStatus(['running', 'exited', 'running']), 'exited(1), running(2)');
});

s('projects table, quiet, json, name filter', () => {
  const projects = listProjects([c('demo', 'running'), c('demo', 'running'), c('demo', 'exited'), c('other', 'exited')]);
  assert.is(renderProjects(projects, { quiet: false, format: 'table', filter: [] }), [
    'NAME                STATUS                  CONFIG FILES',
    'demo                exited(1), running(2)   /srv/demo/compose.yaml',
    'other               exited(1)               /srv/other/compose.yaml',
    '',
  ].join('\n'));
  assert.is(renderProjects(projects, { quiet: true, format: 'table', filter: ['name=oth'] }), 'other\n');
  assert.equal(JSON.parse(renderProjects(projects, { quiet: false, format: 'json', filter: ['name=^demo$'] })), [{ Name: 'demo', Status: 'exited(1), running(2)', ConfigFiles: '/srv/demo/compose.yaml' }]);
  assert.throws(() => renderProjects(projects, { quiet: false, format: 'table', filter: ['label=x'] }), /name=/);
});

s.run();
