// A plan as text, one line per step like Docker Compose's dry-run output
// (`Container demo-web-1  Recreate`), with our reasons indented below.
import type { Plan, PlanStep } from './plan-types.js';

export function formatPlan(plan: Plan): string {
  if (plan.steps.length === 0) return 'Nothing to do\n';
  return plan.steps.map(formatStep).join('');
}

export function formatStep(step: PlanStep): string {
  const head = `${step.kind} ${step.name}  ${describeAction(step)}\n`;
  const a = step.action;
  return a.op === 'container-recreate' ? head + a.changes.map((c) => `    ${c}\n`).join('') : head;
}

export function describeAction(step: PlanStep): string {
  const a = step.action;
  switch (a.op) {
    case 'network-create':
    case 'volume-create': return 'Create';
    case 'network-remove':
    case 'volume-remove':
    case 'image-remove': return 'Remove';
    case 'container-create': return a.start ? 'Create, Start' : 'Create';
    case 'container-recreate': return a.start ? 'Recreate, Start' : 'Recreate';
    case 'container-start': return 'Start';
    case 'container-running': return 'Running';
    case 'container-stop': return 'Stop';
    case 'container-restart': return 'Restart';
    case 'container-remove': return `${a.stop ? 'Stop, Remove' : 'Remove'}${a.reason ? ` (${a.reason})` : ''}`;
    case 'container-kill': return `Kill ${a.signal}`;
    case 'container-pause': return 'Pause';
    case 'container-unpause': return 'Unpause';
  }
}
