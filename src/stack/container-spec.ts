// A service (plus its replica number) as the engine's ContainerSpec, with the
// labels Docker Compose puts on its containers.
import { canonicalJson, serviceConfigHash } from '../compose/config-hash.js';
import type { ServiceConfig } from '../compose/model.js';
import type { ContainerSpec } from '../engine/types.js';
import { TscError } from '../util/errors.js';
import { containerName, LABEL, oneoffName } from './labels.js';
import { serviceMounts, serviceVolumesFrom } from './spec-mounts.js';
import { serviceExposedPorts, serviceExtraHosts, serviceNetworking, servicePorts } from './spec-network.js';
import { serviceSecurityOpts, serviceUsernsMode } from './spec-security.js';
import { assertKeySupport } from './key-support.js';
import { serviceFiles } from './spec-files.js';
import { serviceBlkio, serviceHealthcheck, serviceLog, serviceNamespaces, serviceResources, serviceRestartPolicy, serviceStopTimeout, serviceUlimits } from './spec-runtime.js';
import type { StackProject } from './stack-project.js';
import { parseBytes } from './units.js';
import { TSCOMPOSE_VERSION } from './version.js';
import { serviceImageName } from './build-spec.js';

/** The service as it was when the container was made: what `up` diffs to explain a recreate. */
export const SERVICE_CONFIG_LABEL = 'io.tscompose.service-config';

export interface ContainerSpecOptions {
  number: number;
  /** A one-off container of `run`: its slug (hex) names it. */
  oneoff?: { slug: string };
  /** Overrides the name (`run --name`). */
  name?: string;
  /** The image's id, for `com.docker.compose.image`. */
  imageId?: string;
}

export function buildContainerSpec(stack: StackProject, service: ServiceConfig, opts: ContainerSpecOptions): ContainerSpec {
  const { project } = stack;
  assertKeySupport(project, [service.name]);
  if (!service.image && !service.build) {
    throw new TscError('NO_IMAGE', `service "${service.name}" has neither an image nor a build section: set \`image:\``);
  }
  const name = opts.name
    ?? (opts.oneoff ? oneoffName(project.name, service.name, opts.oneoff.slug) : service.container_name ?? containerName(project.name, service.name, opts.number));
  const spec: ContainerSpec = {
    name,
    image: serviceImageName(project.name, service),
    labels: serviceLabels(stack, service, opts),
    env: { ...(service.environment ?? {}) },
    entrypoint: service.entrypoint ? [...service.entrypoint] : undefined,
    command: service.command ? [...service.command] : undefined,
    workingDir: service.working_dir,
    user: service.user,
    hostname: service.hostname,
    domainname: str(service.domainname),
    tty: service.tty,
    stdinOpen: service.stdin_open,
    init: service.init,
    readOnly: service.read_only,
    privileged: service.privileged,
    capAdd: service.cap_add ? [...service.cap_add] : undefined,
    capDrop: service.cap_drop ? [...service.cap_drop] : undefined,
    sysctls: service.sysctls ? { ...(service.sysctls as Record<string, string>) } : undefined,
    ulimits: serviceUlimits(service),
    resources: serviceResources(service),
    shmSizeBytes: service.shm_size !== undefined ? parseBytes(service.shm_size) : undefined,
    mounts: serviceMounts(stack, service),
    volumesFrom: serviceVolumesFrom(stack, service),
    extraHosts: serviceExtraHosts(service),
    dns: service.dns ? [...service.dns] : undefined,
    links: serviceLinks(service.links),
    dnsSearch: service.dns_search ? [...service.dns_search] : undefined,
    dnsOptions: strings(service.dns_opt),
    ...serviceNetworking(stack, service, name),
    ports: servicePorts(service),
    exposedPorts: serviceExposedPorts(service),
    stopSignal: service.stop_signal,
    stopTimeoutSeconds: serviceStopTimeout(service),
    healthcheck: serviceHealthcheck(service),
    restartPolicy: serviceRestartPolicy(service),
    securityOpt: serviceSecurityOpts(stack, service),
    usernsMode: serviceUsernsMode(service),
    groupAdd: strings(service.group_add),
    devices: service.devices?.map((d) => ({ source: d.source, target: d.target, permissions: d.permissions })),
    ...serviceNamespaces(stack, service),
    deviceCgroupRules: strings(service.device_cgroup_rules),
    blkio: serviceBlkio(service),
    annotations: service.annotations && Object.keys(service.annotations).length > 0 ? { ...service.annotations } : undefined,
    oomScoreAdj: typeof service.oom_score_adj === 'number' ? service.oom_score_adj : undefined,
    oomKillDisable: service.oom_kill_disable === true ? true : undefined,
    files: serviceFiles(stack, service),
    log: serviceLog(service),
  };
  if (spec.mounts?.length === 0) delete spec.mounts;
  for (const key of Object.keys(spec) as Array<keyof ContainerSpec>) if (spec[key] === undefined) delete spec[key];
  return spec;
}

function serviceLabels(stack: StackProject, service: ServiceConfig, opts: ContainerSpecOptions): Record<string, string> {
  const dependsOn = Object.entries(service.depends_on ?? {})
    .map(([dep, d]) => `${dep}:${d.condition ?? 'service_started'}:${d.restart === true}`);
  return {
    ...(service.labels ?? {}),
    [LABEL.project]: stack.project.name,
    [LABEL.service]: service.name,
    [LABEL.containerNumber]: String(opts.number),
    [LABEL.configHash]: serviceConfigHash(service),
    [LABEL.oneoff]: opts.oneoff ? 'True' : 'False',
    ...(opts.oneoff ? { [LABEL.slug]: opts.oneoff.slug } : {}),
    [LABEL.workingDir]: stack.workingDir,
    [LABEL.configFiles]: stack.configFiles.join(','),
    [LABEL.environmentFile]: stack.environmentFiles.join(','),
    [LABEL.version]: TSCOMPOSE_VERSION,
    [LABEL.image]: opts.imageId ?? service.image ?? '',
    [LABEL.dependsOn]: dependsOn.join(','),
    [SERVICE_CONFIG_LABEL]: canonicalJson(service),
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}

/** `links: [db, "db:database"]` → `{ db: "db", database: "db" }` (alias → the service it names). */
function serviceLinks(links: readonly string[] | undefined): Record<string, string> | undefined {
  if (!links?.length) return undefined;
  const out: Record<string, string> = {};
  for (const link of links) {
    const [target, alias] = link.split(':', 2) as [string, string | undefined];
    out[alias || target] = target;
  }
  return out;
}
