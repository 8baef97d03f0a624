// `ip` commands of concurrent teardowns (down of many containers) in one
// `ip -force -batch -` per wave: a process saved per container. Each caller
// learns whether its own commands all worked, and gets the first failure as if
// it had run that command alone.
import { Batcher, type ItemOutcome } from '../../../util/batch.js';
import { execFile, ProcessError } from '../../../util/exec.js';

const MARKER = /^Command failed -:(\d+)\s*$/;

/** stderr of `ip -force -batch -`: what each failing line (1-based) printed before its "Command failed -:N". */
export function failedLines(stderr: string): Map<number, string> {
  const out = new Map<number, string>();
  let text: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = MARKER.exec(line);
    if (!m) {
      if (line) text.push(line);
      continue;
    }
    out.set(Number(m[1]), text.join('\n'));
    text = [];
  }
  return out;
}

async function runWave(groups: string[][][]): Promise<Array<ItemOutcome<void>>> {
  const lines = groups.flat();
  let failed = new Map<number, string>();
  try {
    await execFile(['ip', '-force', '-batch', '-'], { input: lines.map((c) => c.join(' ')).join('\n') + '\n' });
  } catch (error) {
    if (!(error instanceof ProcessError)) throw error;
    failed = failedLines(error.stderr);
    // Failed without saying which line: every caller goes its own way.
    if (failed.size === 0) throw error;
  }
  let next = 1;
  return groups.map((commands) => {
    const first = next;
    next += commands.length;
    for (let i = 0; i < commands.length; i++) {
      const stderr = failed.get(first + i);
      if (stderr !== undefined) return { ok: false, error: new ProcessError(['ip', ...commands[i]!], 1, null, stderr) };
    }
    return { ok: true, value: undefined };
  });
}

const batcher = new Batcher<string[][], void>(runWave);

/** Runs `commands` (one `ip` command each, on the host) together with other callers'; rejects with the first of its own that failed. */
export function ipBatched(commands: string[][]): Promise<void> {
  return commands.length === 0 ? Promise.resolve() : batcher.submit(commands);
}
