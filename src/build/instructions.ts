// Raw instructions → typed commands, checked for shape (forms, flags, key=value
// pairs) but not yet substituted: values are expanded when the step runs,
// against the stage's ARG and ENV at that point (see expandWord).
import { DockerfileError } from './errors.js';
import { parseJsonArgs, splitFlags, type Heredoc, type RawInstruction } from './parse.js';

/** Exec form (JSON array) or shell form (text given to the SHELL). */
export type CommandLine = { exec: string[] } | { shell: string };

export interface HealthcheckCommand {
  none: boolean;
  test?: CommandLine;
  interval?: string;
  timeout?: string;
  startPeriod?: string;
  startInterval?: string;
  retries?: string;
}

export type Command =
  | { kind: 'FROM'; image: string; as?: string; platform?: string }
  | { kind: 'ARG'; args: Array<{ name: string; value?: string }> }
  | { kind: 'ENV' | 'LABEL'; pairs: Array<[string, string]> }
  | { kind: 'RUN'; cmd: CommandLine; mounts: string[]; network?: string; security?: string; heredocs: Heredoc[] }
  | { kind: 'COPY' | 'ADD'; sources: string[]; dest: string; from?: string; chown?: string; chmod?: string; link: boolean; excludes: string[]; checksum?: string; keepGitDir: boolean; heredocs: Heredoc[] }
  | { kind: 'WORKDIR' | 'USER' | 'STOPSIGNAL' | 'MAINTAINER'; value: string }
  | { kind: 'EXPOSE' | 'VOLUME'; values: string[] }
  | { kind: 'CMD' | 'ENTRYPOINT'; cmd: CommandLine }
  | { kind: 'SHELL'; shell: string[] }
  | { kind: 'HEALTHCHECK'; check: HealthcheckCommand }
  | { kind: 'ONBUILD'; text: string };

export type Instruction = Command & { line: number; original: string; heredocsUsed?: boolean };

const ALLOWED_FLAGS: Record<string, string[]> = {
  FROM: ['platform'],
  RUN: ['mount', 'network', 'security'],
  COPY: ['from', 'chown', 'chmod', 'link', 'exclude', 'parents'],
  ADD: ['chown', 'chmod', 'link', 'exclude', 'checksum', 'keep-git-dir'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

export function toInstruction(raw: RawInstruction, file: string): Instruction {
  const fail = (message: string): never => {
    throw new DockerfileError(file, raw.line, message);
  };
  const flags = splitFlags(raw.flags);
  const allowed = ALLOWED_FLAGS[raw.keyword] ?? [];
  for (const [name] of flags) if (!allowed.includes(name)) fail(`unknown flag: --${name} for ${raw.keyword}`);
  const flag = (name: string) => flags.filter(([n]) => n === name).map(([, v]) => v ?? 'true');
  const one = (name: string) => flag(name).at(-1);
  const base = { line: raw.line, original: raw.original };
  const args = raw.args;
  const needArgs = (n = 1) => {
    if (args.trim() === '' && n > 0) fail(`${raw.keyword} requires at least ${n === 1 ? 'one argument' : `${n} arguments`}`);
  };
  switch (raw.keyword) {
    case 'FROM': {
      const words = args.trim().split(/\s+/).filter(Boolean);
      if (words.length === 3 && words[1]!.toUpperCase() === 'AS') {
        if (!/^[a-zA-Z][a-zA-Z0-9-_.]*$/.test(words[2]!)) fail(`invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
        return { ...base, kind: 'FROM', image: words[0]!, as: words[2]!.toLowerCase(), platform: one('platform') };
      }
      if (words.length !== 1) fail('FROM requires either one or three arguments (FROM image [AS name])');
      return { ...base, kind: 'FROM', image: words[0]!, platform: one('platform') };
    }
    case 'ARG': {
      needArgs();
      const list = splitKeyValueWords(args, fail).map((w) => {
        const eq = w.indexOf('=');
        const name = eq < 0 ? w : w.slice(0, eq);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`invalid ARG name "${name}"`);
        return eq < 0 ? { name } : { name, value: w.slice(eq + 1) };
      });
      return { ...base, kind: 'ARG', args: list };
    }
    case 'ENV':
    case 'LABEL':
      needArgs();
      return { ...base, kind: raw.keyword, pairs: parseNameValues(raw.keyword, args, fail) };
    case 'RUN':
      needArgs();
      return {
        ...base, kind: 'RUN', cmd: commandLine(args), mounts: flag('mount'), network: one('network'), security: one('security'), heredocs: raw.heredocs,
      };
    case 'COPY':
    case 'ADD': {
      const json = parseJsonArgs(args);
      const words = json ?? splitKeyValueWords(args, fail);
      if (words.length < 2) fail(`${raw.keyword} requires at least two arguments, but got ${words.length === 0 ? 'none' : 'one'}`);
      const link = one('link');
      return {
        ...base, kind: raw.keyword, sources: words.slice(0, -1), dest: words.at(-1)!, from: one('from'), chown: one('chown'), chmod: one('chmod'),
        link: link === 'true', excludes: flag('exclude'), checksum: one('checksum'), keepGitDir: one('keep-git-dir') === 'true', heredocs: raw.heredocs,
      };
    }
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      needArgs();
      return { ...base, kind: raw.keyword, value: args.trim() };
    case 'EXPOSE':
    case 'VOLUME': {
      needArgs();
      const json = raw.keyword === 'VOLUME' ? parseJsonArgs(args) : undefined;
      return { ...base, kind: raw.keyword, values: json ?? splitKeyValueWords(args, fail) };
    }
    case 'CMD':
    case 'ENTRYPOINT':
      return { ...base, kind: raw.keyword, cmd: commandLine(args) };
    case 'SHELL': {
      const json = parseJsonArgs(args);
      if (!json || json.length === 0) fail('SHELL requires the arguments to be in JSON form, e.g. SHELL ["/bin/sh", "-c"]');
      return { ...base, kind: 'SHELL', shell: json! };
    }
    case 'HEALTHCHECK': {
      const words = args.trim().split(/\s+/);
      const type = words[0]?.toUpperCase();
      if (type === 'NONE') {
        if (words.length > 1 || flags.length) fail('HEALTHCHECK NONE takes no arguments');
        return { ...base, kind: 'HEALTHCHECK', check: { none: true } };
      }
      if (type !== 'CMD') fail(`unknown type "${words[0] ?? ''}" in HEALTHCHECK (try CMD)`);
      const rest = args.trim().slice(3).trim();
      if (!rest) fail('HEALTHCHECK CMD requires a command');
      return {
        ...base, kind: 'HEALTHCHECK', check: {
          none: false, test: commandLine(rest), interval: one('interval'), timeout: one('timeout'),
          startPeriod: one('start-period'), startInterval: one('start-interval'), retries: one('retries'),
        },
      };
    }
    case 'ONBUILD': {
      const inner = /^\s*(\S+)/.exec(args)?.[1]?.toUpperCase();
      if (!inner) fail('ONBUILD requires an instruction');
      if (inner === 'ONBUILD') fail('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (inner === 'FROM' || inner === 'MAINTAINER') fail(`${inner} isn't allowed as an ONBUILD trigger`);
      return { ...base, kind: 'ONBUILD', text: args.trim() };
    }
    default:
      return fail(`unknown instruction: ${raw.keyword}`);
  }
}

function commandLine(args: string): CommandLine {
  const json = parseJsonArgs(args);
  return json ? { exec: json } : { shell: args.trim() };
}

/**
 * Words split on unquoted whitespace, quotes and escapes kept (they are
 * processed when the word is expanded), as BuildKit's parseWords does.
 */
export function splitKeyValueWords(s: string, fail: (m: string) => never): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      word += ch;
      if (ch === '\\' && quote === '"' && i + 1 < s.length) word += s[++i];
      else if (ch === quote) quote = '';
      continue;
    }
    if (/\s/.test(ch)) {
      if (word) words.push(word);
      word = '';
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    if (ch === '\\' && i + 1 < s.length) {
      word += ch + s[++i];
      continue;
    }
    word += ch;
  }
  if (quote) fail(`unmatched ${quote} quote`);
  if (word) words.push(word);
  return words;
}

/** ENV/LABEL: `k=v k2="v 2"`, or the legacy `ENV k the rest of the line`. */
function parseNameValues(keyword: string, args: string, fail: (m: string) => never): Array<[string, string]> {
  const words = splitKeyValueWords(args, fail);
  if (words.length > 0 && !words[0]!.includes('=')) {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(args.trim());
    if (!m) fail(`${keyword} names must have a value: ${keyword} ${words[0]} <value>`);
    return [[m![1]!, m![2]!]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) fail(`${keyword} names can not be blank and each must have a value: "${w}"`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}
