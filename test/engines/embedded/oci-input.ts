// The input of buildOciSpec for unit tests: a plain container over /r, with a
// user database of its own, changed by `spec` and `extra`.
import type { ContainerSpec } from '../../../src/engine/types.js';
import type { BuildOciSpecInput } from '../../../src/engines/embedded/runtime/oci-spec.js';

export const testUserDb = {
  passwd: 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n',
  group: 'root:x:0:\nwww:x:33:\nstaff:x:50:app,www\napp:x:1000:\ndocker:x:999:app\n',
};

export function ociSpecInput(spec: Partial<ContainerSpec>, extra: Partial<BuildOciSpecInput> = {}): BuildOciSpecInput {
  return {
    id: '0123456789abcdef0123',
    spec: { name: 'web', image: 'img', labels: {}, env: {}, command: ['sh'], ...spec },
    image: {},
    rootfs: '/r/rootfs',
    hostsFile: '/r/hosts',
    hostnameFile: '/r/hostname',
    resolvConfFile: '/r/resolv.conf',
    resolvedMounts: [],
    cgroupsPath: '/tscompose/0123',
    hostRlimits: { RLIMIT_NOFILE: { soft: 1024, hard: 524288 }, RLIMIT_NPROC: { soft: 100, hard: 200 } },
    cgroupVersion: 1,
    userDb: testUserDb,
    ...extra,
  };
}
