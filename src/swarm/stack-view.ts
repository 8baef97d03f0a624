// `stack services`, `stack ps` and `stack rm`: a stack is what carries its
// namespace label (services, networks, secrets, configs).
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerClient } from '../engines/docker/client.js';
import { TscError } from '../util/errors.js';
import { NAMESPACE_LABEL } from './convert.js';

interface ApiServiceFull {
  ID: string;
  Spec: {
    Name: string;
    Mode: { Replicated?: { Replicas?: number }; Global?: object; ReplicatedJob?: { TotalCompletions?: number }; GlobalJob?: object };
    TaskTemplate: { ContainerSpec: { Image: string } };
  };
  Endpoint?: { Ports?: Array<{ Protocol: string; TargetPort: number; PublishedPort?: number; PublishMode?: string }> };
}

interface ApiTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState: string;
  Status: { State: string; Timestamp: string; Err?: string; PortStatus?: { Ports?: Array<{ Protocol: string; TargetPort: number; PublishedPort?: number }> } };
  Spec: { ContainerSpec: { Image: string } };
}

export interface StackServiceRow {
  ID: string;
  Name: string;
  Mode: string;
  Replicas: string;
  Image: string;
  Ports: string;
}

export interface StackTaskRow {
  ID: string;
  Name: string;
  Image: string;
  Node: string;
  DesiredState: string;
  CurrentState: string;
  Error: string;
  Ports: string;
}

const filterOf = (namespace: string) => ({ label: [`${NAMESPACE_LABEL}=${namespace}`] });

function noStack(namespace: string): TscError {
  return new TscError('STACK_NOT_FOUND', `nothing found in stack: ${namespace}`);
}

/** `name:tag@sha256:…` as the CLI shows it: without the digest. */
function shortImage(image: string): string {
  return image.replace(/@sha256:[0-9a-f]+$/, '');
}

function capitalize(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

export async function stackServices(client: DockerClient, namespace: string): Promise<StackServiceRow[]> {
  const services = await client.json<ApiServiceFull[]>('GET', '/services', { query: { filters: filterOf(namespace) } });
  if (services.length === 0) throw noStack(namespace);
  const tasks = await client.json<ApiTask[]>('GET', '/tasks', { query: { filters: { service: services.map((s) => s.ID), 'desired-state': ['running'] } } });
  return services.sort((a, b) => (a.Spec.Name < b.Spec.Name ? -1 : 1)).map((s) => {
    const mine = tasks.filter((t) => t.ServiceID === s.ID);
    const running = mine.filter((t) => t.Status.State === 'running').length;
    const m = s.Spec.Mode;
    const desired = m.Replicated ? m.Replicated.Replicas ?? 1 : m.ReplicatedJob ? m.ReplicatedJob.TotalCompletions ?? 1 : mine.length;
    const ports = (s.Endpoint?.Ports ?? []).filter((p) => p.PublishedPort).map((p) => `*:${p.PublishedPort}->${p.TargetPort}/${p.Protocol}`);
    return {
      ID: s.ID.slice(0, 12), Name: s.Spec.Name,
      Mode: m.Global ? 'global' : m.ReplicatedJob ? 'replicated job' : m.GlobalJob ? 'global job' : 'replicated',
      Replicas: `${running}/${desired}`, Image: shortImage(s.Spec.TaskTemplate.ContainerSpec.Image), Ports: ports.join(', '),
    };
  });
}

export async function stackTasks(client: DockerClient, namespace: string, now = Date.now()): Promise<StackTaskRow[]> {
  const services = await client.json<ApiServiceFull[]>('GET', '/services', { query: { filters: filterOf(namespace) } });
  if (services.length === 0) throw noStack(namespace);
  const [tasks, nodes] = await Promise.all([
    client.json<ApiTask[]>('GET', '/tasks', { query: { filters: { service: services.map((s) => s.ID) } } }),
    client.json<Array<{ ID: string; Description?: { Hostname?: string } }>>('GET', '/nodes'),
  ]);
  const nameOf = new Map(services.map((s) => [s.ID, s.Spec.Name]));
  const hostOf = new Map(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID]));
  return tasks
    .sort((a, b) => ((nameOf.get(a.ServiceID) ?? '') + String(a.Slot ?? 0).padStart(6, '0') + b.Status.Timestamp < (nameOf.get(b.ServiceID) ?? '') + String(b.Slot ?? 0).padStart(6, '0') + a.Status.Timestamp ? -1 : 1))
    .map((t) => ({
      ID: t.ID.slice(0, 12),
      Name: `${nameOf.get(t.ServiceID) ?? t.ServiceID}.${t.Slot ?? t.NodeID ?? ''}`,
      Image: shortImage(t.Spec.ContainerSpec.Image),
      Node: t.NodeID ? hostOf.get(t.NodeID) ?? t.NodeID : '',
      DesiredState: capitalize(t.DesiredState),
      CurrentState: `${capitalize(t.Status.State)} ${ago(t.Status.Timestamp, now)}`,
      Error: t.Status.Err ?? '',
      Ports: [...new Set((t.Status.PortStatus?.Ports ?? []).map((p) => `*:${p.PublishedPort}->${p.TargetPort}/${p.Protocol}`))].join(', '),
    }));
}

function ago(iso: string, now: number): string {
  const seconds = Math.max(0, Math.trunc((now - Date.parse(iso)) / 1000));
  if (seconds < 1) return 'less than a second ago';
  if (seconds < 60) return `${seconds} seconds ago`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes === 1) return 'about a minute ago';
  if (minutes < 60) return `${minutes} minutes ago`;
  const hours = Math.round(seconds / 3600);
  return hours === 1 ? 'about an hour ago' : `${hours} hours ago`;
}

/**
 * Services first, then (once their tasks' containers on this node are gone,
 * so that their networks are free) secrets, configs and networks.
 */
export async function removeStack(client: DockerClient, namespace: string, out: (line: string) => void, opts: { waitMs?: number } = {}): Promise<void> {
  const filters = { filters: filterOf(namespace) };
  const [services, networks, secrets, configs] = await Promise.all([
    client.json<Array<{ ID: string; Spec: { Name: string } }>>('GET', '/services', { query: filters }),
    client.json<Array<{ Id: string; Name: string }>>('GET', '/networks', { query: filters }),
    client.json<Array<{ ID: string; Spec: { Name: string } }>>('GET', '/secrets', { query: filters }),
    client.json<Array<{ ID: string; Spec: { Name: string } }>>('GET', '/configs', { query: filters }),
  ]);
  if (services.length + networks.length + secrets.length + configs.length === 0) throw noStack(namespace);
  for (const s of services.sort((a, b) => (a.Spec.Name < b.Spec.Name ? -1 : 1))) {
    out(`Removing service ${s.Spec.Name}`);
    await client.json('DELETE', `/services/${s.ID}`);
  }
  const deadline = Date.now() + (opts.waitMs ?? 60_000);
  while (services.length && Date.now() < deadline) {
    const left = await client.json<unknown[]>('GET', '/containers/json', { query: { all: true, filters: filterOf(namespace) } });
    if (left.length === 0) break;
    await sleep(200);
  }
  for (const s of secrets) {
    out(`Removing secret ${s.Spec.Name}`);
    await client.json('DELETE', `/secrets/${s.ID}`);
  }
  for (const c of configs) {
    out(`Removing config ${c.Spec.Name}`);
    await client.json('DELETE', `/configs/${c.ID}`);
  }
  for (const n of networks) {
    out(`Removing network ${n.Name}`);
    for (let i = 0; ; i++) {
      try {
        await client.json('DELETE', `/networks/${n.Id}`);
        break;
      } catch (error) {
        // The service's load balancer endpoint goes a moment after its last task.
        if (i >= 50 || !/active endpoints/.test((error as Error).message)) throw error;
        await sleep(200);
      }
    }
  }
}
