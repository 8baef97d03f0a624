// The engine interface: what the planner and the CLI ask of a backend (the
// embedded engine, later the Docker Engine API). Engine-neutral: no runc,
// conmon or Docker API type appears here.

/** `damaged`: the engine's record of it could not be read (embedded engine); it can only be removed. */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing' | 'damaged';

export interface MountSpec {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Host path (bind) or volume name (volume; empty for an anonymous volume). */
  source?: string;
  target: string;
  readOnly?: boolean;
  /**
   * A volume mount whose source is a volume of the container this one
   * replaces (a recreate carries its anonymous volumes over, as Docker Compose
   * does). When that volume is an anonymous one, the embedded engine counts it
   * among the new container's, so `rm -v` / `down -v` remove it with that
   * container; Docker keeps a volume mounted by name on `rm -v`.
   */
  inherited?: boolean;
  bind?: { propagation?: string; createHostPath?: boolean; selinux?: string };
  volume?: { nocopy?: boolean; subpath?: string; labels?: Record<string, string> };
  tmpfs?: { size?: number; mode?: number };
}

export interface PortBinding {
  hostIp?: string;
  /** Host port; undefined or '' picks a free one. */
  hostPort?: string;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
}

export interface HealthcheckSpec {
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
  startIntervalMs?: number;
}

export interface RestartPolicySpec {
  name: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  maximumRetryCount?: number;
}

export interface EndpointSpec {
  aliases?: string[];
  ipv4Address?: string;
  ipv6Address?: string;
  macAddress?: string;
  interfaceName?: string;
  gwPriority?: number;
}

/** Immutable configuration of a container, fixed at create time. */
export interface ContainerSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  /** undefined: the image's; [] clears it. */
  entrypoint?: string[];
  /** undefined: the image's (unless entrypoint is set, as Docker does); [] clears it. */
  command?: string[];
  /** Added to (and overriding) the image's Env. null: unset. */
  env: Record<string, string | null>;
  workingDir?: string;
  user?: string;
  hostname?: string;
  domainname?: string;
  tty?: boolean;
  stdinOpen?: boolean;
  /** Docker's StdinOnce: the container's input closes when the first attached client ends it (`run -i`). */
  stdinOnce?: boolean;
  init?: boolean;
  readOnly?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  sysctls?: Record<string, string>;
  ulimits?: Record<string, { soft: number; hard: number }>;
  resources?: {
    nanoCpus?: number;
    memoryBytes?: number;
    memorySwapBytes?: number;
    memoryReservationBytes?: number;
    pidsLimit?: number;
    cpuShares?: number;
    cpusetCpus?: string;
    /** CFS quota and period in microseconds (cpu_quota, cpu_period); a quota from `cpus` wins. */
    cpuQuota?: number;
    cpuPeriod?: number;
  };
  shmSizeBytes?: number;
  mounts?: MountSpec[];
  /** Containers (id or name) whose volumes this one mounts, `name[:ro|rw]`. */
  volumesFrom?: string[];
  extraHosts?: Array<{ host: string; ip: string }>;
  dns?: string[];
  /** Legacy links: alias → service or container name, resolvable only from this container. */
  links?: Record<string, string>;
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** 'none' | 'host' | 'bridge' | `container:<id>` | a network name. */
  networkMode?: string;
  networks?: Record<string, EndpointSpec>;
  ports?: PortBinding[];
  exposedPorts?: string[];
  stopSignal?: string;
  stopTimeoutSeconds?: number;
  healthcheck?: HealthcheckSpec;
  restartPolicy?: RestartPolicySpec;
  securityOpt?: string[];
  /** `host`, or empty for the engine's default; Docker's `--userns`. */
  usernsMode?: string;
  groupAdd?: string[];
  devices?: Array<{ source: string; target: string; permissions: string }>;
  /** blkio_config: weights and throttles of host block devices (named by path). */
  blkio?: BlkioSpec;
  /** `c 1:3 rwm`: device cgroup rules added to the allowed devices. */
  deviceCgroupRules?: string[];
  /** OCI annotations. */
  annotations?: Record<string, string>;
  /** 'host' or `container:<name>` (pid namespace to share); undefined: a new one. */
  pidMode?: string;
  /** 'host', 'shareable', 'private' or `container:<name>`; undefined: a new one. */
  ipcMode?: string;
  utsMode?: 'host';
  /** cgroup namespace: 'host' shares the host's; 'private' (default on cgroup v2) makes one. */
  cgroupnsMode?: 'host' | 'private';
  oomScoreAdj?: number;
  oomKillDisable?: boolean;
  /** Files written for the container and mounted read-only (secrets, configs), as Docker Compose does without Swarm. */
  files?: ContainerFileSpec[];
  /** Log driver: json-file/local (kept, rotated at maxSizeBytes, maxFile files) or none. */
  log?: { driver: 'json-file' | 'local' | 'none'; maxSizeBytes?: number; maxFile?: number };
}

export interface BlkioSpec {
  weight?: number;
  weightDevice?: Array<{ path: string; weight: number }>;
  readBps?: Array<{ path: string; rate: number }>;
  writeBps?: Array<{ path: string; rate: number }>;
  readIops?: Array<{ path: string; rate: number }>;
  writeIops?: Array<{ path: string; rate: number }>;
}

/** A file the engine puts into a container: the content of a host file or given bytes. */
export interface ContainerFileSpec {
  target: string;
  /** Absolute host path to copy (a `file:` secret or config). */
  source?: string;
  /** Base64 content (an `environment:` or `content:` one). */
  content?: string;
  mode: number;
  uid: number;
  gid: number;
}

export interface ContainerState {
  status: ContainerStatus;
  running: boolean;
  paused: boolean;
  restarting: boolean;
  pid: number;
  exitCode: number;
  error?: string;
  /** ISO 8601, or '0001-01-01T00:00:00Z' as Docker prints for never. */
  startedAt: string;
  finishedAt: string;
  restartCount: number;
  health?: { status: 'starting' | 'healthy' | 'unhealthy'; failingStreak: number; log: Array<{ start: string; end: string; exitCode: number; output: string }> };
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  imageId: string;
  labels: Record<string, string>;
  created: string;
  state: ContainerState;
  ports: PortBinding[];
  command: string[];
}

/** A running container's endpoint on one network. */
export interface EndpointDetails {
  networkId: string;
  ipAddress: string;
  prefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
  dnsNames: string[];
}

export interface ContainerNetworkDetails {
  /** The network namespace (a path), when the container has one of its own. */
  sandboxKey?: string;
  /** By network name; empty while the container is not running. */
  networks: Record<string, EndpointDetails>;
}

export interface ContainerDetails extends ContainerSummary {
  spec: ContainerSpec;
  /** Resolved process: entrypoint + command after image defaults. */
  path: string;
  args: string[];
  logPath?: string;
  mounts: Array<MountSpec & { resolvedSource?: string }>;
  /** What the container's run got from its networks (addresses, gateways); undefined when unknown. */
  network?: ContainerNetworkDetails;
  /** The AppArmor profile the container runs under; undefined when none (a host without AppArmor). */
  appArmorProfile?: string;
}

export interface ContainerFilter {
  all?: boolean;
  /** Every label must match; a value of undefined matches any value. */
  labels?: Record<string, string | undefined>;
  names?: string[];
}

export interface LogEntry {
  /** ISO 8601 with nanoseconds, as conmon/Docker write it. */
  time: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface LogOptions {
  follow?: boolean;
  tail?: number;
  since?: string;
  until?: string;
  signal?: AbortSignal;
}

export interface ExecSpec {
  cmd: string[];
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  tty?: boolean;
  interactive?: boolean;
  detach?: boolean;
  privileged?: boolean;
}

export interface ExecStdio {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface TerminalSize {
  rows: number;
  columns: number;
}

/** `attach` (and `run` in the foreground): the container's own stdio, through the engine. */
export interface AttachOptions {
  /** Sent to the container's input (when it has one open: stdin_open); undefined attaches output only. */
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Docker's detach keys (`ctrl-p,ctrl-q` when undefined; '' for none): typed on stdin, they detach. */
  detachKeys?: string;
  /** Start the (created or stopped) container once attached, so none of its output is missed. */
  start?: boolean;
  /** The terminal's size, given to a container with a TTY before it runs. */
  size?: TerminalSize;
}

export interface AttachSession {
  /** Resolves when the container's output has ended (it stopped), or the user detached. */
  done: Promise<{ detached: boolean }>;
  /** A new size of the user's terminal, for a container with a TTY. */
  resize(size: TerminalSize): Promise<void>;
  /** Ends the session from our side (the container goes on). */
  close(): void;
}

export interface ImageSummary {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  created: string;
  size: number;
}

export interface ImageDetails extends ImageSummary {
  architecture: string;
  os: string;
  config: {
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    User?: string;
    ExposedPorts?: Record<string, object>;
    Volumes?: Record<string, object>;
    Labels?: Record<string, string>;
    StopSignal?: string;
    Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number; StartInterval?: number };
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
}

export interface VolumeSpec {
  name: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface VolumeDetails {
  name: string;
  driver: string;
  mountpoint: string;
  labels: Record<string, string>;
  created: string;
  options: Record<string, string>;
}

export interface NetworkSpec {
  name: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  internal?: boolean;
  attachable?: boolean;
  enableIpv6?: boolean;
  labels?: Record<string, string>;
  ipam?: { driver?: string; config?: Array<{ subnet?: string; ipRange?: string; gateway?: string; auxAddresses?: Record<string, string> }> };
}

export interface NetworkDetails {
  id: string;
  name: string;
  driver: string;
  labels: Record<string, string>;
  internal: boolean;
  subnets: Array<{ subnet: string; gateway: string }>;
}

/** One step of a pull or push: of a layer (`layer`: 12 hex digits of its digest) or of the image. */
export interface ImageTransferProgress {
  layer?: string;
  status:
    | 'Waiting' | 'Downloading' | 'Verifying Checksum' | 'Download complete' | 'Extracting' | 'Pull complete' | 'Already exists'
    | 'Preparing' | 'Pushing' | 'Pushed' | 'Layer already exists' | 'Mounted';
  /** Bytes done and in all, while downloading or uploading. */
  current?: number;
  total?: number;
  /** `from library/busybox` for a mounted layer. */
  detail?: string;
}

export interface ImagePullOptions {
  /** `os/arch[/variant]` to pick from a manifest list; default: the host's. */
  platform?: string;
  onProgress?: (p: ImageTransferProgress) => void;
  signal?: AbortSignal;
}

export interface ImagePullResult {
  id: string;
  /** Digest of what the registry serves for the reference (the index for a multi-platform image). */
  digest: string;
  /** False when the store had the image already and nothing was downloaded. */
  downloaded: boolean;
}

export interface ImagePushOptions {
  onProgress?: (p: ImageTransferProgress) => void;
  signal?: AbortSignal;
}

export interface ImagePushResult {
  digest: string;
  /** Bytes of the manifest, as `docker push` prints it. */
  size: number;
  tag: string;
}

export interface ImageService {
  inspect(ref: string): Promise<ImageDetails | undefined>;
  list(): Promise<ImageSummary[]>;
  remove(ref: string, opts?: { force?: boolean }): Promise<string[]>;
  /** docker-archive or OCI layout tar; returns the loaded references. */
  load(file: string): Promise<string[]>;
  save(refs: string[], file: string): Promise<void>;
  /** A root filesystem (tar or directory) as a one-layer image. */
  importRootfs(source: string, ref: string): Promise<string>;
  tag(source: string, target: string): Promise<void>;
  /** From the reference's registry (Distribution API v2). Optional: a backend may have no registry client. */
  pull?(ref: string, opts?: ImagePullOptions): Promise<ImagePullResult>;
  push?(ref: string, opts?: ImagePushOptions): Promise<ImagePushResult>;
  /** When `ref` was last pulled (ISO 8601): for pull_policy daily, weekly, every_<duration>. */
  lastPulled?(ref: string): Promise<string | undefined>;
}

/** One path of a watch sync: `hostPath` (absolute) to `containerPath`. */
export interface FileSync {
  hostPath: string;
  containerPath: string;
}

/** `cp -a` keeps the source's uid/gid (else: root in the container, the caller on the host); `-L` follows a symlink SRC_PATH. */
export interface CopyOptions {
  archive?: boolean;
  followLink?: boolean;
}

export interface ContainerService {
  create(spec: ContainerSpec): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string, opts?: { timeoutSeconds?: number; signal?: string }): Promise<void>;
  kill(id: string, signal?: string): Promise<void>;
  remove(id: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void>;
  /**
   * `docker rename`: the container answers to `name` from now on (running or
   * not; its DNS names follow); its id, labels and hostname stay. Fails when
   * another container holds the name.
   */
  rename(id: string, name: string): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  list(filter?: ContainerFilter): Promise<ContainerSummary[]>;
  inspect(id: string): Promise<ContainerDetails | undefined>;
  logs(id: string, opts?: LogOptions): AsyncIterable<LogEntry>;
  /** Resolves with the exit code once the container is not running. */
  wait(id: string, opts?: { signal?: AbortSignal }): Promise<number>;
  exec(id: string, spec: ExecSpec, stdio: ExecStdio): Promise<number>;
  /** Resolves once attached (and started, with `start`); the session says when it ends. */
  attach(id: string, opts: AttachOptions): Promise<AttachSession>;
  top(id: string): Promise<{ titles: string[]; processes: string[][] }>;
  copyTo(id: string, hostPath: string, containerPath: string, opts?: CopyOptions): Promise<void>;
  copyFrom(id: string, containerPath: string, hostPath: string, opts?: CopyOptions): Promise<void>;
  /**
   * Watch's sync: each host path copied to its container path as it is now
   * (directories walked, symlinks copied as symlinks, modes kept, owned by the
   * container's user), or deleted there when it is gone from the host. No
   * process runs in the container for it.
   */
  syncFiles(id: string, changes: readonly FileSync[]): Promise<{ copied: number; deleted: number }>;
  /**
   * Fails, naming the port and who holds it, when a fixed host port these
   * containers publish is taken (or asked twice), so that `up` can refuse
   * before it changes anything. `replacing`: ids of containers about to be
   * removed, whose ports do not count. Optional: a backend may only find out at start.
   */
  checkPorts?(specs: ContainerSpec[], opts?: { replacing?: string[] }): Promise<void>;
  /** One reading of a running container's resource use (`stats`); optional for a backend. */
  stats?(id: string): Promise<ContainerStatsSample>;
}

/** What `docker stats` is computed from: counters read at one moment. */
export interface ContainerStatsSample {
  /** Milliseconds since the epoch. */
  read: number;
  /** CPU time of the container and of the whole host, in nanoseconds. */
  cpuNanos: number;
  systemNanos: number;
  onlineCpus: number;
  memoryUsage: number;
  memoryLimit: number;
  pids: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
}

export interface VolumeService {
  create(spec: VolumeSpec): Promise<VolumeDetails>;
  inspect(name: string): Promise<VolumeDetails | undefined>;
  list(filter?: { labels?: Record<string, string | undefined> }): Promise<VolumeDetails[]>;
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
}

export interface NetworkService {
  create(spec: NetworkSpec): Promise<NetworkDetails>;
  inspect(name: string): Promise<NetworkDetails | undefined>;
  list(filter?: { labels?: Record<string, string | undefined> }): Promise<NetworkDetails[]>;
  remove(name: string): Promise<void>;
}

/** One image build (a Compose `build:` section, resolved to host paths). */
export interface BuildSpec {
  /** The build context directory. */
  context: string;
  /** The Dockerfile: a path (relative to the context, or absolute); `Dockerfile` by default. */
  dockerfile?: string;
  /** `dockerfile_inline`: the Dockerfile's text; `dockerfile` is then only its name in messages. */
  dockerfileInline?: string;
  args?: Record<string, string>;
  target?: string;
  labels?: Record<string, string>;
  /** References to point at the result. */
  tags: string[];
  noCache?: boolean;
  /** `build --pull`: pull every FROM image again, even when the store has it. */
  pull?: boolean;
  /** Default network of RUN steps: 'default' (the host's, as buildkitd without CNI), 'host' or 'none'. */
  network?: string;
  extraHosts?: Array<{ host: string; ip: string }>;
  shmSizeBytes?: number;
  /** `RUN --mount=type=secret,id=ID`: the host file that holds the secret. */
  secrets?: Record<string, string>;
  /** Named contexts: a directory, or `docker-image://REF` (an image of the store, e.g. another service's). */
  additionalContexts?: Record<string, string>;
  signal?: AbortSignal;
}

export type BuildEvent =
  | { type: 'step'; stage: string; step: number; total: number; text: string; cached: boolean }
  | { type: 'step-done'; step: number; text: string; cached: boolean; ms: number }
  | { type: 'output'; step: number; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'warning'; message: string };

export interface BuildResult {
  imageId: string;
  /** Steps run and steps taken from the cache. */
  ran: number;
  cached: number;
}

export interface BuildService {
  build(spec: BuildSpec, onEvent?: (event: BuildEvent) => void): Promise<BuildResult>;
  /** `builder prune`: forgets the build cache; returns the number of cache records removed. */
  prune(): Promise<number>;
}

export interface Engine {
  readonly name: 'embedded' | 'docker';
  readonly images: ImageService;
  /** Dockerfile builds; absent on a backend that cannot build. */
  readonly builder?: BuildService;
  readonly containers: ContainerService;
  readonly volumes: VolumeService;
  readonly networks: NetworkService;
  /**
   * Serializes commands on one project; resolves with a release function.
   * `onWait` tells the user who holds the lock while this command waits
   * (`waiting for "up" (pid 1234) to finish on project "demo"`).
   */
  lockProject(project: string, command: string, opts?: { onWait?: (message: string) => void; timeoutMs?: number }): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
