// `init: true`: a small static init from the host, bind-mounted into the
// container at the path Docker uses.
import { accessSync, constants } from 'node:fs';
import { TscError } from '../../../util/errors.js';

export const CONTAINER_INIT_PATH = '/sbin/docker-init';

/** Static binaries only: the container may have no libc to run a dynamic one. */
export const INIT_CANDIDATES = [
  '/usr/libexec/docker/docker-init',
  '/usr/bin/docker-init',
  '/usr/bin/tini-static',
  '/usr/bin/catatonit',
  '/usr/libexec/podman/catatonit',
];

export function findInitBinary(candidates = INIT_CANDIDATES): string {
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  throw new TscError(
    'INIT_NOT_FOUND',
    '`init: true` needs a static init binary on the host and none was found: `apt-get install tini` (provides /usr/bin/tini-static) or `apt-get install catatonit`',
  );
}
