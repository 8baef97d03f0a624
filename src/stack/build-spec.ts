// A service's `build:` section as the engine's BuildSpec, and the image name
// a built service gets (`<project>-<service>` unless `image:` is set).
import { isAbsolute, join } from 'node:path';
import type { ServiceConfig } from '../compose/model.js';
import type { BuildSpec } from '../engine/types.js';
import { TscError } from '../util/errors.js';
import { serviceExtraHosts } from './spec-network.js';
import type { StackProject } from './stack-project.js';
import { parseBytes } from './units.js';
import { LABEL } from './labels.js';
import { TSCOMPOSE_VERSION } from './version.js';

/** Keys of `build:` the embedded builder cannot honour: refused, never ignored. */
const UNSUPPORTED: Record<string, string> = {
  ssh: 'SSH agent forwarding (build.ssh) is not supported by the embedded builder',
  cache_from: 'build.cache_from is not supported: the embedded builder keeps its own local cache',
  cache_to: 'build.cache_to is not supported: the embedded builder keeps its own local cache',
  isolation: 'build.isolation is a Windows setting',
  entitlements: 'build.entitlements are not supported by the embedded builder',
  privileged: 'privileged builds are not supported by the embedded builder',
  ulimits: 'build.ulimits are not supported by the embedded builder',
};

export function serviceImageName(projectName: string, service: ServiceConfig): string {
  return service.image ?? `${projectName}-${service.name}`.toLowerCase();
}

/** The services (by name) that build, with the image each one builds. */
export function servicesWithBuild(stack: StackProject): ServiceConfig[] {
  return Object.values(stack.project.services).filter((s) => s.build !== undefined);
}

export function serviceBuildSpec(stack: StackProject, service: ServiceConfig, opts: { noCache?: boolean; args?: Record<string, string> } = {}): BuildSpec {
  const b = service.build as Record<string, unknown> | undefined;
  if (!b) throw new TscError('NO_BUILD', `service "${service.name}" has no build section`);
  const where = `services.${service.name}.build`;
  for (const [key, why] of Object.entries(UNSUPPORTED)) {
    const v = b[key];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0) && v !== false) throw new TscError('BUILD_UNSUPPORTED', `${where}.${key}: ${why}`);
  }
  const context = String(b.context ?? '.');
  if (/^(https?|git|ssh):\/\/|^git@|^docker-image:\/\//.test(context)) throw new TscError('BUILD_UNSUPPORTED', `${where}.context: remote contexts (${context}) are not fetched by the embedded builder; use a local directory`);
  const platforms = b.platforms as string[] | undefined;
  if (platforms && platforms.length > 1) throw new TscError('BUILD_UNSUPPORTED', `${where}.platforms: multi-platform builds are not supported by the embedded builder`);
  const hostPlatform = `linux/${({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' } as Record<string, string>)[process.arch] ?? process.arch}`;
  if (platforms?.length === 1 && platforms[0] !== hostPlatform) throw new TscError('BUILD_UNSUPPORTED', `${where}.platforms: the embedded builder builds for this machine only (${hostPlatform})`);
  if (b.platforms === undefined && service.platform && service.platform !== hostPlatform) throw new TscError('BUILD_UNSUPPORTED', `services.${service.name}.platform: the embedded builder builds for this machine only (${hostPlatform})`);
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries((b.args ?? {}) as Record<string, string | null>)) if (v !== null && v !== undefined) args[k] = String(v);
  Object.assign(args, opts.args ?? {});
  const additional: Record<string, string> = {};
  for (const [name, value] of Object.entries((b.additional_contexts ?? {}) as Record<string, string>)) {
    if (value.startsWith('service:')) {
      const other = stack.project.services[value.slice('service:'.length)];
      if (!other) throw new TscError('NO_SUCH_SERVICE', `${where}.additional_contexts.${name}: no such service: ${value.slice('service:'.length)}`);
      additional[name] = `docker-image://${serviceImageName(stack.project.name, other)}`;
    } else if (/^(https?|git):\/\//.test(value)) {
      throw new TscError('BUILD_UNSUPPORTED', `${where}.additional_contexts.${name}: remote contexts are not fetched by the embedded builder`);
    } else additional[name] = value;
  }
  const secrets: Record<string, string> = {};
  for (const ref of (b.secrets ?? []) as Array<string | { source: string; target?: string }>) {
    const source = typeof ref === 'string' ? ref : ref.source;
    const id = typeof ref === 'string' ? ref : ref.target ?? ref.source;
    const def = stack.project.secrets?.[source] as { file?: string; environment?: string } | undefined;
    if (!def?.file) throw new TscError('BUILD_UNSUPPORTED', `${where}.secrets: secret "${source}" must be a file secret for builds`);
    secrets[id] = isAbsolute(def.file) ? def.file : join(stack.workingDir, def.file);
  }
  const tags = [serviceImageName(stack.project.name, service), ...((b.tags ?? []) as string[])];
  const network = b.network as string | undefined;
  return {
    context,
    dockerfile: b.dockerfile_inline !== undefined ? undefined : String(b.dockerfile ?? 'Dockerfile'),
    ...(b.dockerfile_inline !== undefined ? { dockerfileInline: String(b.dockerfile_inline) } : {}),
    args,
    target: b.target as string | undefined,
    // As Docker Compose labels what it builds (no service label: services sharing a build share the image).
    labels: { ...((b.labels ?? {}) as Record<string, string>), [LABEL.project]: stack.project.name, [LABEL.version]: TSCOMPOSE_VERSION },
    tags: [...new Set(tags)],
    noCache: opts.noCache || b.no_cache === true,
    network,
    extraHosts: serviceExtraHosts({ extra_hosts: b.extra_hosts } as ServiceConfig),
    shmSizeBytes: b.shm_size !== undefined ? parseBytes(b.shm_size as string | number) : undefined,
    secrets,
    additionalContexts: additional,
  };
}
