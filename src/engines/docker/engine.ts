// The Docker Engine backend behind the Engine interface: the same planner
// and CLI over a local or remote dockerd (unix socket, tcp+TLS, ssh).
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../../engine/types.js';
import { TscError } from '../../util/errors.js';
import { acquireLock } from '../embedded/state/lock.js';
import { DockerClient } from './client.js';
import { DockerContainerService } from './containers.js';
import { buildImage, configFileAuth, type AuthLookup, type DockerBuildEvent, type DockerBuildSpec } from './build.js';
import { resolveDockerEndpoint, type DockerEndpoint } from './host.js';
import { DockerImageService } from './images.js';
import { DockerNetworkService, DockerVolumeService } from './resources.js';

export interface DockerEngine extends Engine {
  readonly name: 'docker';
  readonly client: DockerClient;
  readonly images: DockerImageService;
  /** Registry credentials by registry host (X-Registry-Auth). */
  readonly auth: AuthLookup;
  /** Builds by the daemon's /build (the builder branch's BuildService shape). */
  readonly builder: {
    build(spec: DockerBuildSpec, onEvent?: (e: DockerBuildEvent) => void): Promise<{ imageId: string; ran: number; cached: number }>;
    prune(): Promise<number>;
  };
}

export interface DockerEngineOptions {
  /** Default: found as the docker CLI finds it (DOCKER_HOST, DOCKER_CONTEXT, the current context). */
  endpoint?: DockerEndpoint;
  env?: NodeJS.ProcessEnv;
  /** Registry credentials for pull and build (default: the auths of Docker's config.json). */
  auth?: AuthLookup;
  /** Where the per-project lock files live (default: a private directory under the temporary directory). */
  lockDir?: string;
}

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export function createDockerEngine(opts: DockerEngineOptions = {}): DockerEngine {
  const env = opts.env ?? process.env;
  const endpoint = opts.endpoint ?? resolveDockerEndpoint({ env });
  const client = new DockerClient(endpoint);
  const auth = opts.auth ?? configFileAuth(env);
  return {
    name: 'docker',
    client,
    auth,
    images: new DockerImageService(client, auth),
    builder: {
      build: (spec, onEvent) => buildImage(client, spec, { auth, onEvent }),
      async prune() {
        const r = await client.json<{ CachesDeleted: string[] | null }>('POST', '/build/prune');
        return r.CachesDeleted?.length ?? 0;
      },
    },
    containers: new DockerContainerService(client),
    networks: new DockerNetworkService(client),
    volumes: new DockerVolumeService(client),
    /**
     * Docker Compose takes no lock. We serialize commands of this machine on
     * one project of one engine (a lock file per endpoint and project);
     * commands from other machines are not serialized, as with Docker Compose.
     */
    async lockProject(project, command, lockOpts = {}) {
      if (!PROJECT_NAME.test(project)) {
        throw new TscError('INVALID_PROJECT_NAME', `invalid project name "${project}": it must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit`);
      }
      const dir = opts.lockDir ?? join(env.XDG_RUNTIME_DIR || tmpdir(), `tscompose-docker-${process.getuid?.() ?? 0}`);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const key = createHash('sha256').update(endpoint.url).digest('hex').slice(0, 16);
      const lock = await acquireLock(join(dir, `${key}-${project}.lock`), { command, project }, {
        timeoutMs: lockOpts.timeoutMs ?? 5 * 60_000, onWait: lockOpts.onWait && ((m) => lockOpts.onWait!(m)),
      });
      return () => lock.release();
    },
    async close() {
      client.close();
    },
  };
}
