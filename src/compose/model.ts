// Stage 9: the typed, read-only view of a normalized project. Keys keep
// Compose's spelling (snake_case), so the model and `config` output match
// field for field; attributes not typed here are still there (index signature).
import { cloneTree, isMap } from './source.js';
import type { ComposeMap } from './source.js';
import type {
  BuildConfig,
  DeviceMapping,
  ExtendsConfig,
  FileReferenceConfig,
  HostsMap,
  KeyValueMap,
  ServiceDependency,
  ServiceNetworkConfig,
  ServicePortConfig,
  ServiceVolumeConfig,
  UlimitConfig,
} from './types.js';

type RO<T> = T extends ReadonlyArray<infer U>
  ? ReadonlyArray<RO<U>>
  : T extends object ? { readonly [K in keyof T]: RO<T[K]> } : T;

export interface HealthCheckConfig {
  readonly test?: readonly string[];
  /** Go durations as `config` prints them: `30s`, `1m0s`. */
  readonly interval?: string;
  readonly timeout?: string;
  readonly start_period?: string;
  readonly start_interval?: string;
  readonly retries?: number;
  readonly disable?: boolean;
}

export interface ResourceConfig {
  readonly cpus?: number;
  /** Bytes, as a decimal string. */
  readonly memory?: string;
  readonly pids?: number;
  readonly devices?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly [key: string]: unknown;
}

export interface DeployConfig {
  readonly mode?: string;
  readonly replicas?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly resources?: { readonly limits?: ResourceConfig; readonly reservations?: ResourceConfig };
  readonly restart_policy?: { readonly condition?: string; readonly delay?: string; readonly max_attempts?: number; readonly window?: string };
  readonly [key: string]: unknown;
}

export interface LoggingConfig {
  readonly driver?: string;
  readonly options?: Readonly<Record<string, string>>;
}

export interface ServiceConfig {
  /** The key under `services` (not part of `config` output). */
  readonly name: string;
  readonly profiles?: readonly string[];
  readonly image?: string;
  readonly build?: RO<BuildConfig>;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  /** `null`: a bare KEY that the project environment does not set. */
  readonly environment?: RO<KeyValueMap>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly container_name?: string;
  readonly hostname?: string;
  readonly working_dir?: string;
  readonly user?: string;
  readonly restart?: string;
  readonly pull_policy?: string;
  readonly ports?: ReadonlyArray<RO<ServicePortConfig>>;
  readonly expose?: readonly string[];
  readonly volumes?: ReadonlyArray<RO<ServiceVolumeConfig>>;
  readonly volumes_from?: readonly string[];
  readonly tmpfs?: readonly string[];
  readonly networks?: Readonly<Record<string, RO<ServiceNetworkConfig> | null>>;
  readonly network_mode?: string;
  /** links, volumes_from and `service:x` namespaces are folded in by normalize. */
  readonly depends_on?: Readonly<Record<string, RO<ServiceDependency>>>;
  readonly links?: readonly string[];
  readonly extra_hosts?: RO<HostsMap>;
  readonly dns?: readonly string[];
  readonly dns_search?: readonly string[];
  readonly devices?: ReadonlyArray<RO<DeviceMapping>>;
  readonly secrets?: ReadonlyArray<RO<FileReferenceConfig>>;
  readonly configs?: ReadonlyArray<RO<FileReferenceConfig>>;
  readonly ulimits?: Readonly<Record<string, RO<UlimitConfig>>>;
  readonly healthcheck?: HealthCheckConfig;
  readonly deploy?: DeployConfig;
  readonly logging?: LoggingConfig;
  readonly extends?: RO<ExtendsConfig>;
  readonly cap_add?: readonly string[];
  readonly cap_drop?: readonly string[];
  readonly privileged?: boolean;
  readonly read_only?: boolean;
  readonly init?: boolean;
  readonly tty?: boolean;
  readonly stdin_open?: boolean;
  readonly stop_signal?: string;
  /** Go duration text. */
  readonly stop_grace_period?: string;
  readonly cpus?: number;
  /** Bytes, as decimal strings. */
  readonly mem_limit?: string;
  readonly mem_reservation?: string;
  readonly memswap_limit?: string;
  readonly shm_size?: string;
  readonly pids_limit?: number;
  readonly scale?: number;
  readonly [key: string]: unknown;
}

/** Top-level networks, volumes, secrets and configs all have a resolved `name`. */
export interface ResourceBase {
  readonly name: string;
  readonly external?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  readonly [key: string]: unknown;
}

export interface NetworkConfig extends ResourceBase {
  readonly driver?: string;
  readonly driver_opts?: Readonly<Record<string, string>>;
  readonly internal?: boolean;
  readonly attachable?: boolean;
  readonly enable_ipv6?: boolean;
  readonly ipam?: {
    readonly driver?: string;
    readonly config?: ReadonlyArray<{ readonly subnet?: string; readonly gateway?: string; readonly ip_range?: string; readonly aux_addresses?: Readonly<Record<string, string>> }>;
    readonly options?: Readonly<Record<string, string>>;
  };
}

export interface VolumeConfig extends ResourceBase {
  readonly driver?: string;
  readonly driver_opts?: Readonly<Record<string, string>>;
}

interface FileObjectConfig extends ResourceBase {
  readonly file?: string;
  readonly environment?: string;
  readonly content?: string;
  readonly driver?: string;
  readonly driver_opts?: Readonly<Record<string, string>>;
  readonly template_driver?: string;
}

export type SecretConfig = FileObjectConfig;
export type ConfigObjConfig = FileObjectConfig;

export interface Project {
  readonly name: string;
  readonly services: Readonly<Record<string, ServiceConfig>>;
  readonly networks: Readonly<Record<string, NetworkConfig>>;
  readonly volumes: Readonly<Record<string, VolumeConfig>>;
  readonly secrets: Readonly<Record<string, SecretConfig>>;
  readonly configs: Readonly<Record<string, ConfigObjConfig>>;
  /** Top-level `x-*` entries. */
  readonly extensions: Readonly<Record<string, unknown>>;
}

/**
 * The typed project of a normalized tree. The tree is copied (source
 * positions included) and frozen; each service gets its key as `name`.
 */
export function toModel(tree: ComposeMap): Project {
  const copy = cloneTree(tree);
  const services: Record<string, ServiceConfig> = {};
  for (const [name, service] of Object.entries(section(copy.services))) {
    if (!isMap(service)) continue;
    Object.defineProperty(service, 'name', { value: name, enumerable: false });
    services[name] = service as unknown as ServiceConfig;
  }
  const extensions: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(copy)) if (k.startsWith('x-')) extensions[k] = v;
  const project: Project = {
    name: typeof copy.name === 'string' ? copy.name : '',
    services,
    networks: resources<NetworkConfig>(copy.networks),
    volumes: resources<VolumeConfig>(copy.volumes),
    secrets: resources<SecretConfig>(copy.secrets),
    configs: resources<ConfigObjConfig>(copy.configs),
    extensions,
  };
  return deepFreeze(project);
}

function section(value: unknown): ComposeMap {
  return isMap(value) ? value : {};
}

function resources<T>(value: unknown): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(section(value))) out[k] = (isMap(v) ? v : { name: k }) as T;
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
