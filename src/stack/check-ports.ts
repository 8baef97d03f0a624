// Before a plan changes anything: the fixed host ports of every container it
// will start must be free, so that a conflict fails `up` with nothing made
// (Docker Compose finds out only when the container starts, after the
// networks and the other containers are made).
import type { ContainerSpec, Engine } from '../engine/types.js';
import type { Plan } from './plan-types.js';

export async function checkPlanPorts(engine: Engine, plan: Plan): Promise<void> {
  if (!engine.containers.checkPorts) return;
  const specs: ContainerSpec[] = [];
  const replacing: string[] = [];
  for (const step of plan.steps) {
    const a = step.action;
    if (a.op === 'container-create' && a.start) specs.push(a.spec);
    else if (a.op === 'container-recreate' && a.start) {
      specs.push(a.spec);
      replacing.push(a.old.id);
    } else if (a.op === 'container-start') {
      const spec = (await engine.containers.inspect(a.container.id))?.spec;
      if (spec) specs.push(spec);
    } else if (a.op === 'container-remove' || a.op === 'container-stop') replacing.push(a.container.id);
  }
  if (specs.some((s) => s.ports?.length)) await engine.containers.checkPorts(specs, { replacing });
}
