// How to run the agent's entry script: main.js next to this file once built,
// main.ts through tsx when running from the sources (tests).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AgentCommand {
  command: string;
  args: string[];
}

export function agentCommand(): AgentCommand {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  const entry = join(dirname(here), fromSource ? 'main.ts' : 'main.js');
  if (!existsSync(entry)) throw new Error(`the agent's entry script ${entry} is missing: reinstall tscompose (or run \`npm run build\`)`);
  // The tsx loader resolved from here, as an absolute URL: the agent runs with cwd "/".
  const args = fromSource ? ['--import', import.meta.resolve('tsx'), entry] : [entry];
  return { command: process.execPath, args };
}
