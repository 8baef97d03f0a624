// Shapes of the canonical (long-syntax) entries that the canonical stage
// (canonical.ts) produces for each file, before merge. Later stages (merge,
// normalize, model) rely on exactly these shapes. Key names are Compose's.

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

/** `services.*.ports[]` */
export interface ServicePortConfig {
  name?: string;
  mode: 'ingress' | 'host';
  host_ip?: string;
  target: number;
  /** A port (`"8080"`) or a range to pick from (`"8000-8010"`), always a string. */
  published?: string;
  protocol: PortProtocol;
  app_protocol?: string;
}

export type VolumeType = 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'image' | 'cluster';
export type BindPropagation = 'shared' | 'slave' | 'private' | 'rshared' | 'rslave' | 'rprivate';
export type VolumeConsistency = 'consistent' | 'cached' | 'delegated';

/** `services.*.volumes[]` */
export interface ServiceVolumeConfig {
  type: VolumeType;
  /** As written: relative paths and `~` are resolved by normalize. */
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: VolumeConsistency | string;
  bind?: ServiceVolumeBind;
  volume?: ServiceVolumeVolume;
  tmpfs?: ServiceVolumeTmpfs;
  image?: { subpath?: string };
}

export interface ServiceVolumeBind {
  propagation?: BindPropagation | string;
  create_host_path?: boolean;
  selinux?: 'z' | 'Z';
}

export interface ServiceVolumeVolume {
  nocopy?: boolean;
  subpath?: string;
}

export interface ServiceVolumeTmpfs {
  size?: number | string;
  mode?: number;
}

export type DependsOnCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

/** `services.*.depends_on.<service>` */
export interface ServiceDependency {
  condition: DependsOnCondition;
  required: boolean;
  restart?: boolean;
}

/** `services.*.networks.<network>` (or `null`) */
export interface ServiceNetworkConfig {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  driver_opts?: Record<string, string>;
  priority?: number;
  gw_priority?: number;
  interface_name?: string;
}

/** `services.*.env_file[]` */
export interface EnvFileConfig {
  path: string;
  required: boolean;
  format?: string;
}

/** environment, annotations, sysctls, build.args: a bare `KEY` is `null` (unset); labels: `""`. */
export type KeyValueMap = Record<string, string | null>;

/** extra_hosts: one address, or several for one host. */
export type HostsMap = Record<string, string | string[]>;

/** `services.*.build` (only `context` is made explicit here). */
export interface BuildConfig {
  context: string;
  dockerfile?: string;
  args?: KeyValueMap;
  labels?: KeyValueMap;
  extra_hosts?: HostsMap;
  [key: string]: unknown;
}

/** `services.*.extends` */
export interface ExtendsConfig {
  service: string;
  file?: string;
}

/** `services.*.devices[]` */
export interface DeviceMapping {
  source: string;
  target: string;
  permissions: string;
}

/** `services.*.secrets[]` and `services.*.configs[]` */
export interface FileReferenceConfig {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number | string;
}

/** `services.*.ulimits.<name>` */
export type UlimitConfig = number | { soft: number; hard: number };

/** `include[]` */
export interface IncludeConfig {
  path: string[];
  project_directory?: string;
  env_file?: string[];
}

/** top-level `networks.*`, `volumes.*`, `secrets.*`, `configs.*` after the legacy `external: { name }` is folded. */
export interface ExternalResource {
  name?: string;
  external?: boolean;
  [key: string]: unknown;
}
