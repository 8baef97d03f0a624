// The command conmon runs when a container with a restart policy exits: the
// exit hook (agent/exit-hook), run by the same node as this process, with
// tsx when running from the sources (tests).
import type { RestartPolicySpec } from '../../../engine/types.js';
import { entryScriptArgs } from '../../../util/package-files.js';
import { hasRestartPolicy } from './policy.js';

/** conmon's `--exit-command` and its arguments, or undefined when the policy needs no hook. */
export function exitHookCommand(root: string, id: string, policy: RestartPolicySpec | undefined): string[] | undefined {
  if (!hasRestartPolicy(policy)) return undefined;
  // conmon execs the program without a PATH search: node by its absolute path.
  return [process.execPath, ...entryScriptArgs('engines/embedded/agent/exit-hook', 'the exit hook'), '--root', root, id];
}
