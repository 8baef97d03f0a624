// A plan: steps that each do one engine operation, with the steps they wait
// for. The planner decides everything; the executor only runs steps.
import type { ContainerSpec, NetworkSpec, VolumeSpec } from '../engine/types.js';
import type { DependsOnCondition } from '../compose/types.js';

export type ResourceKind = 'Container' | 'Network' | 'Volume' | 'Image';

export interface ContainerRef {
  id: string;
  name: string;
}

export type StepAction =
  | { op: 'network-create'; spec: NetworkSpec }
  | { op: 'network-remove' }
  | { op: 'volume-create'; spec: VolumeSpec }
  | { op: 'volume-remove' }
  | { op: 'image-remove' }
  | { op: 'container-create'; spec: ContainerSpec; start: boolean }
  /**
   * As Compose's recreateContainer: the new container is made under `tempName`
   * while the old one runs on, then the old one is stopped and removed and the
   * new one takes the name (`spec.name`). `inheritVolumes`: the new one
   * mounts the old one's anonymous volumes (false with `up -V`).
   */
  | { op: 'container-recreate'; old: ContainerRef; spec: ContainerSpec; tempName: string; start: boolean; changes: string[]; inheritVolumes: boolean; timeoutSeconds?: number }
  | { op: 'container-start'; container: ContainerRef }
  | { op: 'container-running'; container: ContainerRef }
  | { op: 'container-stop'; container: ContainerRef; timeoutSeconds?: number }
  | { op: 'container-restart'; container: ContainerRef; timeoutSeconds?: number }
  | { op: 'container-remove'; container: ContainerRef; stop: boolean; force?: boolean; volumes?: boolean; timeoutSeconds?: number; reason?: 'orphan' | 'scale down' }
  | { op: 'container-kill'; container: ContainerRef; signal: string }
  | { op: 'container-pause'; container: ContainerRef }
  | { op: 'container-unpause'; container: ContainerRef };

/** A dependency a step's container waits on before it starts (service_started for now). */
export interface WaitCondition {
  service: string;
  condition: DependsOnCondition;
  required: boolean;
  /** `restart: true`: restart this container when `up` recreates or restarts the dependency. */
  restart?: boolean;
}

export interface PlanStep {
  id: string;
  kind: ResourceKind;
  /** Name on the engine (container, network, volume name or image reference). */
  name: string;
  service?: string;
  action: StepAction;
  /** Ids of the steps this one runs after. */
  after: string[];
  waitFor?: WaitCondition[];
}

export interface Plan {
  project: string;
  steps: PlanStep[];
  /** Said to the user whatever happens (orphans found…). */
  warnings: string[];
}

/** Collects steps with unique ids. */
export class PlanBuilder {
  readonly steps: PlanStep[] = [];
  readonly warnings: string[] = [];
  private readonly ids = new Set<string>();

  add(step: Omit<PlanStep, 'id' | 'after'> & { after?: string[] }): string {
    let id = `${step.kind}:${step.name}`;
    for (let n = 2; this.ids.has(id); n++) id = `${step.kind}:${step.name}#${n}`;
    this.ids.add(id);
    this.steps.push({ ...step, id, after: [...new Set(step.after ?? [])] });
    return id;
  }

  build(project: string): Plan {
    return { project, steps: this.steps, warnings: this.warnings };
  }
}
