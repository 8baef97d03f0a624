// The container monitors of `system doctor`: running containers whose conmon
// is gone (their logs and exit status are no longer recorded), and live
// conmons outside their own cgroup (a logout or a stopped unit would take
// them down).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DoctorCheck } from './doctor.js';
import { inspectMonitors } from './containers/lost-monitor.js';
import { CONMON_CGROUP } from './runtime/cgroups.js';
import { openStateRoot } from './state/root.js';

export function checkContainerMonitors(stateRoot: string): DoctorCheck {
  const name = 'container monitors';
  // Never made by a look: a state root that does not exist has no containers.
  if (!existsSync(join(stateRoot, 'containers'))) return { name, ok: true, detail: 'no containers' };
  let found: ReturnType<typeof inspectMonitors>;
  try {
    found = inspectMonitors(openStateRoot(stateRoot));
  } catch (error) {
    return { name, ok: false, optional: true, detail: `the state root could not be read: ${(error as Error).message}` };
  }
  const { unmonitored, misplaced } = found;
  const problems = [
    ...unmonitored.map((c) => `container ${c.name}: its monitor (conmon) is gone; logs and exit status are no longer recorded (pid ${c.pid} still runs)`),
    ...misplaced.map((c) => `container ${c.name}: its conmon (pid ${c.pid}) is not in the cgroup ${CONMON_CGROUP}: ending the session that started it may end it`),
  ];
  if (problems.length === 0) return { name, ok: true, detail: 'every running container has its conmon' };
  const names = [...new Set([...unmonitored, ...misplaced].map((c) => c.name))].join(' ');
  return {
    name, ok: false, optional: true, detail: problems.join('; '),
    fix: `\`tscompose restart\` (or \`down\`) the services of ${names}: they are stopped through runc and start again under a new conmon`,
  };
}
