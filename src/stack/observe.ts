// The observed state of a project: its containers (by service, by number;
// one-offs apart), and the networks and volumes it declares or has labeled.
import type { Project } from '../compose/model.js';
import type { ContainerStatus, Engine, NetworkDetails, VolumeDetails } from '../engine/types.js';
import { LABEL } from './labels.js';
import { SERVICE_CONFIG_LABEL } from './container-spec.js';
import { compareStrings } from '../util/compare.js';

export interface ObservedContainer {
  id: string;
  name: string;
  service: string;
  image: string;
  /** The image ID the container was made from (Compose's `com.docker.compose.image` label, else the engine's). */
  imageId: string;
  number: number;
  oneoff: boolean;
  configHash: string;
  /** Canonical JSON of the service the container was made from (absent on containers of other tools). */
  serviceConfig?: string;
  status: ContainerStatus;
  running: boolean;
  created: string;
  labels: Record<string, string>;
}

export interface ObservedProject {
  name: string;
  /** Service containers, sorted by service then number. */
  containers: ObservedContainer[];
  oneoffs: ObservedContainer[];
  /** By engine name: declared ones (undefined when missing) and those labeled with the project. */
  networks: Record<string, NetworkDetails | undefined>;
  volumes: Record<string, VolumeDetails | undefined>;
}

export async function observeProject(engine: Engine, name: string, project?: Project): Promise<ObservedProject> {
  const byProject = { [LABEL.project]: name };
  const [summaries, labeledNetworks, labeledVolumes] = await Promise.all([
    engine.containers.list({ all: true, labels: byProject }),
    engine.networks.list({ labels: byProject }),
    engine.volumes.list({ labels: byProject }),
  ]);
  const networks: ObservedProject['networks'] = {};
  const volumes: ObservedProject['volumes'] = {};
  for (const n of labeledNetworks) networks[n.name] = n;
  for (const v of labeledVolumes) volumes[v.name] = v;
  await Promise.all([
    ...Object.values(project?.networks ?? {}).filter((n) => !(n.name in networks))
      .map(async (n) => { networks[n.name] = await engine.networks.inspect(n.name); }),
    ...Object.values(project?.volumes ?? {}).filter((v) => !(v.name in volumes))
      .map(async (v) => { volumes[v.name] = await engine.volumes.inspect(v.name); }),
  ]);
  const all = summaries.map((c): ObservedContainer => ({
    id: c.id,
    name: c.name,
    service: c.labels[LABEL.service] ?? '',
    image: c.image,
    imageId: c.labels[LABEL.image]?.startsWith('sha256:') ? c.labels[LABEL.image]! : c.imageId,
    number: Number(c.labels[LABEL.containerNumber] ?? 0) || 0,
    oneoff: c.labels[LABEL.oneoff] === 'True',
    configHash: c.labels[LABEL.configHash] ?? '',
    serviceConfig: c.labels[SERVICE_CONFIG_LABEL],
    status: c.state.status,
    running: c.state.running || c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting',
    created: c.created,
    labels: c.labels,
  })).sort((a, b) => compareStrings(a.service, b.service) || a.number - b.number || compareStrings(a.name, b.name));
  return { name, containers: all.filter((c) => !c.oneoff), oneoffs: all.filter((c) => c.oneoff), networks, volumes };
}

/** The observed containers of one service. */
export function containersOf(observed: ObservedProject, service: string): ObservedContainer[] {
  return observed.containers.filter((c) => c.service === service);
}
