// Run by conmon when a container with a restart policy exits:
// `node exit-hook.js --root <root> <id>`. conmon waits for this program (and
// everything it leaves behind) before it exits itself, so it only tells the
// agent to look now, starting the agent when none runs; the agent records
// the exit and restarts under the container's lock. An exit the user caused
// (stop, kill, rm) wakes nobody. Never fails loudly: conmon has nobody to
// report to, and the agent's periodic scan catches what this misses. A state
// root that is gone (removed while its containers exit) is not made again.
import { parseArgs } from 'node:util';
import { ensureDnsAgent } from './dns-agent.js';
import { hasRestartPolicy } from '../restart/policy.js';
import { stoppedByUser } from '../restart/restart-state.js';
import { readRecord } from '../state/containers.js';
import { existingStateRoot } from '../state/root.js';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { root: { type: 'string' } }, allowPositionals: true, strict: true });
  if (!values.root || positionals.length !== 1) {
    process.stderr.write('usage: exit-hook.js --root <state root> <container id>\n');
    process.exitCode = 2;
    return;
  }
  const root = existingStateRoot(values.root);
  const record = root && readRecord(root, positionals[0]!);
  if (!record || record.state.phase !== 'ready' || stoppedByUser(record.state) || !hasRestartPolicy(record.config.spec.restartPolicy)) return;
  await ensureDnsAgent(values.root);
}

main().catch((error: Error) => {
  process.stderr.write(`tscompose exit hook: ${error.message}\n`);
  process.exitCode = 1;
});
