// How Docker describes a container in one line: its status (`Up 3 seconds`,
// `Exited (0) 2 minutes ago`), its command and its published ports.
import type { ContainerState, PortBinding } from '../../engine/types.js';
import { humanDuration } from './units.js';

const NEVER = '0001-01-01T00:00:00Z';
const isZero = (t: string | undefined) => !t || t === NEVER || t.startsWith('0001-01-01');
const since = (t: string, now: number) => humanDuration(now - Date.parse(t));

/** moby's State.String(). */
export function statusText(state: ContainerState, now: number): string {
  if (state.status === 'damaged') return state.running ? 'Damaged (running)' : 'Damaged';
  if (state.running || state.status === 'running' || state.status === 'paused' || state.status === 'restarting') {
    if (state.paused || state.status === 'paused') return `Up ${since(state.startedAt, now)} (Paused)`;
    if (state.restarting || state.status === 'restarting') return `Restarting (${state.exitCode}) ${since(state.finishedAt, now)} ago`;
    if (state.health) return `Up ${since(state.startedAt, now)} (${state.health.status === 'starting' ? 'health: starting' : state.health.status})`;
    return `Up ${since(state.startedAt, now)}`;
  }
  if (state.status === 'removing') return 'Removal In Progress';
  if (state.status === 'dead') return 'Dead';
  if (isZero(state.startedAt)) return 'Created';
  if (isZero(state.finishedAt)) return '';
  return `Exited (${state.exitCode}) ${since(state.finishedAt, now)} ago`;
}

/** The Docker API's one-word state (`running`, `exited`...). */
export function stateWord(state: ContainerState): string {
  if (state.status === 'damaged') return 'damaged';
  if (state.paused) return 'paused';
  if (state.restarting) return 'restarting';
  if (state.running) return 'running';
  return state.status;
}

/** moby's list Command: the path, then the arguments, those with spaces in single quotes. */
export function commandText(argv: string[]): string {
  const [path = '', ...args] = argv;
  if (args.length === 0) return path;
  return `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

export interface DisplayPort {
  ip: string;
  privatePort: number;
  publicPort: number;
  type: string;
}

/** Bindings as the Docker API lists them: a host IP of none means all IPv4 addresses. */
export function displayPortsOf(ports: PortBinding[]): DisplayPort[] {
  return ports.map((p) => ({
    ip: p.hostPort ? (p.hostIp || '0.0.0.0') : '',
    privatePort: p.containerPort,
    publicPort: p.hostPort ? Number(p.hostPort) : 0,
    type: p.protocol,
  }));
}

function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function comparePorts(a: DisplayPort, b: DisplayPort): number {
  if (a.privatePort !== b.privatePort) return a.privatePort - b.privatePort;
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  if (a.publicPort !== b.publicPort) return a.publicPort - b.publicPort;
  return a.type < b.type ? -1 : a.type > b.type ? 1 : 0;
}

/** docker CLI's DisplayablePorts: `0.0.0.0:8080->80/tcp, 443/tcp`, consecutive ports grouped. */
export function displayablePorts(input: DisplayPort[]): string {
  const ports = [...input].sort(comparePorts);
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const port of ports) {
    const current = port.privatePort;
    let key = port.type;
    if (port.ip !== '') {
      if (port.publicPort !== current) {
        hostMappings.push(`${joinHostPort(port.ip, String(port.publicPort))}->${port.privatePort}/${port.type}`);
        continue;
      }
      key = `${port.ip}/${port.type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === group.last + 1) {
      group.last = current;
      continue;
    }
    result.push(formGroup(key, group.first, group.last));
    // Go re-inserts the key: it keeps its first position in the map's key order.
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...hostMappings].join(', ');
}

function formGroup(key: string, first: number, last: number): string {
  const slash = key.lastIndexOf('/');
  const ip = slash >= 0 ? key.slice(0, slash) : '';
  const type = slash >= 0 ? key.slice(slash + 1) : key;
  let group = String(first);
  if (first !== last) group = `${group}-${last}`;
  if (ip) group = `${joinHostPort(ip, group)}->${group}`;
  return `${group}/${type}`;
}
