// The command conmon runs when a container with a restart policy exits: the
// exit hook (agent/exit-hook.js), run by the same node as this process, with
// tsx when running from the sources (tests).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RestartPolicySpec } from '../../../engine/types.js';
import { hasRestartPolicy } from './policy.js';

/** conmon's `--exit-command` and its arguments, or undefined when the policy needs no hook. */
export function exitHookCommand(root: string, id: string, policy: RestartPolicySpec | undefined): string[] | undefined {
  if (!hasRestartPolicy(policy)) return undefined;
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  const entry = join(dirname(here), '..', 'agent', fromSource ? 'exit-hook.ts' : 'exit-hook.js');
  if (!existsSync(entry)) throw new Error(`the exit hook ${entry} is missing: reinstall tscompose (or run \`npm run build\`)`);
  // conmon execs the program without a PATH search: node by its absolute path.
  const loader = fromSource ? ['--import', import.meta.resolve('tsx')] : [];
  return [process.execPath, ...loader, entry, '--root', root, id];
}
