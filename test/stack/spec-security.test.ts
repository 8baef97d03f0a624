import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { buildContainerSpec } from '../../src/stack/container-spec.js';
import { suite } from '../harness.js';
import { loadStack } from './helpers.js';

const s = suite('stack security_opt and userns_mode');

const yaml = (opts: string) => `
name: demo
services:
  web:
    image: busybox
    security_opt: [${opts}]
    userns_mode: host
`;

s('seccomp=FILE is read relative to the project directory and sent as the profile JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-seccomp-'));
  try {
    writeFileSync(join(dir, 'profile.json'), '{"defaultAction":"SCMP_ACT_ALLOW"}');
    const stack = { ...loadStack(yaml('"seccomp=profile.json", "no-new-privileges:true", "seccomp:unconfined"')), workingDir: dir };
    const spec = buildContainerSpec(stack, stack.project.services.web!, { number: 1 });
    assert.equal(spec.securityOpt, ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}', 'no-new-privileges:true', 'seccomp:unconfined']);
    assert.is(spec.usernsMode, 'host');
    const missing = { ...loadStack(yaml('"seccomp=nope.json"')), workingDir: dir };
    assert.throws(() => buildContainerSpec(missing, missing.project.services.web!, { number: 1 }), (e: Error) => /service "web": security_opt "seccomp=nope.json": cannot read .*nope\.json: ENOENT/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
