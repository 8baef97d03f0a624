import * as assert from 'uvu/assert';
import { containerInspectObject, mergeEnv } from '../../src/cli/format/container-inspect.js';
import { renderTop } from '../../src/cli/commands/top.js';
import type { ContainerDetails } from '../../src/engine/types.js';
import { suite } from '../harness.js';

const s = suite('inspect formatting');

s('env: image first, container on top, null unsets', () => {
  assert.equal(mergeEnv(['PATH=/bin', 'A=1', 'B=2'], { A: '9', B: null, C: '3' }), ['PATH=/bin', 'A=9', 'C=3']);
});

s('docker inspect shape from details and image', () => {
  const d: ContainerDetails = {
    id: 'a'.repeat(64), name: 'demo-web-1', image: 'busybox', imageId: 'sha256:b', labels: { x: 'y' }, created: '2024-01-01T00:00:00Z',
    state: { status: 'exited', running: false, paused: false, restarting: false, pid: 0, exitCode: 2, startedAt: '2024-01-01T00:00:01Z', finishedAt: '2024-01-01T00:00:02Z', restartCount: 1 },
    ports: [{ containerPort: 80, hostPort: '8080', protocol: 'tcp' }], command: ['sh', '-c', 'x'],
    spec: { name: 'demo-web-1', image: 'busybox', labels: { x: 'y' }, env: { A: '1' }, command: ['sh', '-c', 'x'], ports: [{ containerPort: 80, hostPort: '8080', protocol: 'tcp' }], restartPolicy: { name: 'on-failure', maximumRetryCount: 3 }, networks: { demo_default: { aliases: ['web'] } } },
    path: 'sh', args: ['-c', 'x'], mounts: [{ type: 'volume', source: 'data', target: '/data', resolvedSource: '/r/volumes/data/_data' }],
  };
  const o = containerInspectObject(d, { id: 'sha256:b', repoTags: [], repoDigests: [], created: '', size: 0, architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'], Cmd: ['sh'], Entrypoint: null }, rootfs: { type: 'layers', diff_ids: [] } }) as Record<string, any>;
  assert.is(o.Name, '/demo-web-1');
  assert.equal(o.State, { Status: 'exited', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 2, Error: '', StartedAt: '2024-01-01T00:00:01Z', FinishedAt: '2024-01-01T00:00:02Z' });
  assert.is(o.RestartCount, 1);
  assert.equal(o.Config.Env, ['PATH=/bin', 'A=1']);
  assert.equal(o.Config.Cmd, ['sh', '-c', 'x']);
  assert.is(o.Config.Entrypoint, null);
  assert.equal(o.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.equal(o.Mounts, [{ Type: 'volume', Name: 'data', Source: '/r/volumes/data/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }]);
  assert.equal(o.NetworkSettings.Ports, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] });
  assert.equal(o.NetworkSettings.Networks.demo_default.Aliases, ['web']);
});

s('top: name, then a compose pretty section, then an empty line', () => {
  assert.is(renderTop('demo-web-1', { titles: ['UID', 'PID', 'CMD'], processes: [['root', '42', 'sleep 9']] }), [
    'demo-web-1', 'UID                 PID                 CMD', 'root                42                  sleep 9             ', '', '',
  ].join('\n'));
});

s.run();
