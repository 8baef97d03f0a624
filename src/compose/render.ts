// Prints a loaded tree the way `docker compose config` does: struct fields in
// compose-go's order, user-named keys sorted, YAML or JSON.
import { isMap } from './source.js';
import type { ComposeMap } from './source.js';
import { emitYaml } from './yaml-emit.js';

/** Field order of compose-go's types, by path pattern; `*` matches any key or index. */
const FIELD_ORDER: Record<string, string[]> = {
  '': ['name', 'services', 'networks', 'volumes', 'secrets', 'configs', 'models'],
  'services.*': [
    'profiles', 'annotations', 'attach', 'build', 'develop', 'blkio_config', 'cap_add', 'cap_drop', 'cgroup_parent',
    'cgroup', 'cpu_count', 'cpu_percent', 'cpu_period', 'cpu_quota', 'cpu_rt_period', 'cpu_rt_runtime', 'cpus', 'cpuset',
    'cpu_shares', 'command', 'configs', 'container_name', 'credential_spec', 'depends_on', 'deploy',
    'device_cgroup_rules', 'devices', 'dns', 'dns_opt', 'dns_search', 'dockerfile', 'domainname', 'entrypoint',
    'provider', 'environment', 'env_file', 'expose', 'extends', 'external_links', 'extra_hosts', 'group_add', 'gpus',
    'hostname', 'healthcheck', 'image', 'init', 'ipc', 'isolation', 'labels', 'label_file', 'links', 'logging',
    'log_driver', 'log_opt', 'mem_limit', 'mem_reservation', 'memswap_limit', 'mem_swappiness', 'mac_address', 'models',
    'net', 'network_mode', 'networks', 'oom_kill_disable', 'oom_score_adj', 'pid', 'pids_limit', 'platform', 'ports',
    'privileged', 'pull_policy', 'read_only', 'restart', 'runtime', 'scale', 'secrets', 'security_opt', 'shm_size',
    'stdin_open', 'stop_grace_period', 'stop_signal', 'storage_opt', 'sysctls', 'tmpfs', 'tty', 'ulimits',
    'use_api_socket', 'user', 'userns_mode', 'uts', 'volume_driver', 'volumes', 'volumes_from', 'working_dir',
    'post_start', 'pre_stop',
  ],
  'services.*.build': [
    'context', 'dockerfile', 'dockerfile_inline', 'entitlements', 'args', 'ssh', 'labels', 'cache_from', 'cache_to',
    'no_cache', 'additional_contexts', 'network', 'provenance', 'sbom', 'pull', 'target', 'shm_size', 'extra_hosts',
    'isolation', 'privileged', 'secrets', 'tags', 'ulimits', 'platforms',
  ],
  'services.*.healthcheck': ['test', 'timeout', 'interval', 'retries', 'start_period', 'start_interval', 'disable'],
  'services.*.depends_on.*': ['condition', 'restart', 'required'],
  'services.*.deploy': ['mode', 'replicas', 'labels', 'update_config', 'rollback_config', 'resources', 'restart_policy', 'placement', 'endpoint_mode'],
  'services.*.deploy.resources': ['limits', 'reservations'],
  'services.*.deploy.resources.*': ['cpus', 'memory', 'pids', 'devices', 'generic_resources'],
  'services.*.deploy.restart_policy': ['condition', 'delay', 'max_attempts', 'window'],
  'services.*.deploy.update_config': ['parallelism', 'delay', 'failure_action', 'monitor', 'max_failure_ratio', 'order'],
  'services.*.deploy.rollback_config': ['parallelism', 'delay', 'failure_action', 'monitor', 'max_failure_ratio', 'order'],
  'services.*.deploy.placement': ['constraints', 'preferences', 'max_replicas_per_node'],
  'services.*.devices.*': ['source', 'target', 'permissions'],
  'services.*.logging': ['driver', 'options'],
  'services.*.networks.*': ['aliases', 'driver_opts', 'gw_priority', 'interface_name', 'ipv4_address', 'ipv6_address', 'link_local_ips', 'mac_address', 'priority'],
  'services.*.ports.*': ['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol'],
  'services.*.volumes.*': ['type', 'source', 'target', 'read_only', 'consistency', 'bind', 'volume', 'tmpfs', 'image'],
  'services.*.volumes.*.bind': ['selinux', 'propagation', 'create_host_path', 'recursive'],
  'services.*.volumes.*.volume': ['labels', 'nocopy', 'subpath'],
  'services.*.volumes.*.tmpfs': ['size', 'mode'],
  'services.*.secrets.*': ['source', 'target', 'uid', 'gid', 'mode'],
  'services.*.configs.*': ['source', 'target', 'uid', 'gid', 'mode'],
  'services.*.extends': ['file', 'service'],
  'services.*.env_file.*': ['path', 'required', 'format'],
  'services.*.ulimits.*': ['soft', 'hard'],
  'services.*.develop': ['watch'],
  'services.*.develop.watch.*': ['path', 'action', 'target', 'exec', 'include', 'ignore', 'initial_sync'],
  'networks.*': ['name', 'driver', 'driver_opts', 'ipam', 'external', 'internal', 'attachable', 'labels', 'enable_ipv4', 'enable_ipv6'],
  'networks.*.ipam': ['driver', 'config', 'options'],
  'networks.*.ipam.config.*': ['subnet', 'gateway', 'ip_range', 'aux_addresses'],
  'volumes.*': ['name', 'driver', 'driver_opts', 'external', 'labels'],
  'secrets.*': ['name', 'file', 'environment', 'content', 'external', 'labels', 'driver', 'driver_opts', 'template_driver'],
  'configs.*': ['name', 'file', 'environment', 'content', 'external', 'labels', 'driver', 'driver_opts', 'template_driver'],
  'include.*': ['path', 'project_directory', 'env_file'],
};

const PATTERNS = Object.entries(FIELD_ORDER).map(([pattern, fields]) => ({
  parts: pattern === '' ? [] : pattern.split('.'),
  rank: new Map(fields.map((f, i) => [f, i])),
}));

function fieldRank(path: string[]): Map<string, number> | undefined {
  outer: for (const p of PATTERNS) {
    if (p.parts.length !== path.length) continue;
    for (let i = 0; i < path.length; i++) {
      if (p.parts[i] !== '*' && p.parts[i] !== path[i]) continue outer;
    }
    return p.rank;
  }
  return undefined;
}

const isDigit = (c: string) => c >= '0' && c <= '9';
const isLetter = (c: string) => /\p{L}/u.test(c);

/**
 * The order Go's yaml.v3 gives map keys (its `keyList.Less`): letters by code
 * point, other characters before letters, digit runs compared as numbers.
 */
export function compareYamlKeys(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i]!;
    const bc = br[i]!;
    if (ac === bc) {
      digits = isDigit(ac);
      continue;
    }
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return ac < bc ? -1 : 1;
    if (al || bl) {
      if (digits) return al ? -1 : 1;
      return bl ? -1 : 1;
    }
    let an = 0;
    let bn = 0;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]!); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]!); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return ac < bc ? -1 : 1;
  }
  return ar.length - br.length;
}

/** Go's encoding/json sorts map keys by their bytes. */
function compareJsonKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** A plain copy of the tree with keys in `docker compose config` order. */
export function orderTree(value: unknown, path: string[] = [], compareKeys = compareYamlKeys): unknown {
  if (typeof value !== 'object' || value === null) return value;
  // Scalars are returned as they are, without making their path.
  const order = (v: unknown, key: string) => (typeof v === 'object' && v !== null ? orderTree(v, [...path, key], compareKeys) : v);
  if (Array.isArray(value)) return value.map((v, i) => order(v, String(i)));
  const map = value as Record<string, unknown>;
  const rank = fieldRank(path);
  const keys = Object.keys(map).sort((a, b) => {
    if (rank) {
      const ra = rank.get(a) ?? Infinity;
      const rb = rank.get(b) ?? Infinity;
      if (ra !== rb) return ra - rb;
    }
    return compareKeys(a, b);
  });
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = order(map[k], k);
  return out;
}

/**
 * Where compose-go marshals a value differently from how we hold it:
 * `create_host_path: true` is its default and is left out, `extra_hosts` is a
 * sorted list of `host=ip`, a secret's or config's `mode` is octal text.
 */
function toOutputForm(tree: ComposeMap): ComposeMap {
  const services = tree.services;
  if (!isMap(services)) return tree;
  const outServices: ComposeMap = {};
  for (const [name, svc] of Object.entries(services)) {
    if (!isMap(svc)) {
      outServices[name] = svc;
      continue;
    }
    const out: ComposeMap = { ...svc };
    if (Array.isArray(svc.volumes)) {
      out.volumes = svc.volumes.map((v) => {
        if (!isMap(v) || !isMap(v.bind) || v.bind.create_host_path !== true) return v;
        const { create_host_path: _default, ...bind } = v.bind;
        return { ...v, bind };
      });
    }
    for (const kind of ['secrets', 'configs']) {
      const refs = svc[kind];
      if (Array.isArray(refs)) out[kind] = refs.map((r) => (isMap(r) && typeof r.mode === 'number' ? { ...r, mode: fileModeText(r.mode) } : r));
    }
    if (isMap(svc.extra_hosts)) out.extra_hosts = hostsList(svc.extra_hosts);
    if (isMap(svc.build) && isMap(svc.build.extra_hosts)) out.build = { ...svc.build, extra_hosts: hostsList(svc.build.extra_hosts) };
    outServices[name] = out;
  }
  return { ...tree, services: outServices };
}

/** compose-go's FileMode prints as `0` and octal digits (`0440`). */
function fileModeText(mode: number): string {
  return `0${mode.toString(8)}`;
}

function hostsList(hosts: ComposeMap): string[] {
  const out: string[] = [];
  for (const [host, ips] of Object.entries(hosts)) {
    for (const ip of Array.isArray(ips) ? ips : [ips]) out.push(`${host}=${String(ip)}`);
  }
  return out.sort();
}

export function renderYaml(tree: ComposeMap): string {
  return emitYaml(orderTree(toOutputForm(tree)));
}

export function renderJson(tree: ComposeMap): string {
  return JSON.stringify(orderTree(toOutputForm(tree), [], compareJsonKeys), null, 4) + '\n';
}

/** `$` written again as `$$`, so that interpolated output loaded back means the same (Docker Compose's escapeDollarSign). */
export function escapeDollars(text: string): string {
  return text.replaceAll('$', '$$$$');
}
