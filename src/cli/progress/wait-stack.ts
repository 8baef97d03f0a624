// `up --wait` / `start --wait`: after the plan ran, wait until the services'
// containers are running (healthy where they have a healthcheck), with the
// same progress lines (` Container demo-db-1  Waiting`, `Healthy`).
import type { Project } from '../../compose/model.js';
import { TscError } from '../../util/errors.js';
import { waitForServices, type StackCondition } from '../../stack/wait-conditions.js';
import { createProgress } from '../progress.js';
import type { OpenStack } from './stack-command.js';

/** A service others need to complete is waited on for that (or --wait would fail on one-shot services), others for running or healthy. */
export function waitConditionOf(project: Project, service: string): StackCondition {
  for (const s of Object.values(project.services)) {
    if (s.depends_on?.[service]?.condition === 'service_completed_successfully') return 'service_completed_successfully';
  }
  return 'running_or_healthy';
}

export async function waitForStack(open: OpenStack, services: string[], timeoutSeconds?: number): Promise<void> {
  const project = open.stack?.project;
  if (!project || open.globals.dryRun) return;
  const names = (services.length > 0 ? services : Object.keys(project.services)).filter((s) => project.services[s]?.scale !== 0);
  const progress = createProgress({ mode: open.globals.progress, title: 'Running', color: open.globals.ansi !== 'never' });
  try {
    await waitForServices({
      engine: open.engine,
      project: open.name,
      services: names.map((service) => ({ service, condition: waitConditionOf(project, service) })),
      timeoutSeconds,
      onEvent: (e) => progress.onEvent(e),
    });
  } finally {
    progress.done();
  }
}

export function parseWaitTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new TscError('CLI_USAGE', `invalid --wait-timeout "${value}": use a whole number of seconds`);
  return n || undefined;
}
