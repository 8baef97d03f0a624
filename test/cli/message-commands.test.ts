// Every command a message of ours tells the user to type exists, with its
// flags: the `tscompose CMD [--flag]` mentions (and `--engine KIND`) in the
// string literals of src/ are checked against the commander program.
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import type { Command } from 'commander';
import { suite } from '../harness.js';
import { buildProgram } from '../../src/cli/program.js';
import { ENGINE_KINDS } from '../../src/cli/context.js';

const s = suite('message commands');
const SRC = join(import.meta.dirname, '../../src');

interface Mention { where: string; text: string; fromBackticks: boolean }

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The text of each string literal of `file` (comments are not strings); `${…}` reads as ARG. */
function stringTexts(file: string): Array<{ text: string; line: number }> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: Array<{ text: string; line: number }> = [];
  const visit = (node: ts.Node): void => {
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node)) text = node.head.text + node.templateSpans.map((span) => `ARG${span.literal.text}`).join('');
    if (text !== undefined) out.push({ text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Commands quoted in `text`: `…` spans, and 'tscompose …' / "tscompose …" spans. */
export function mentionsIn(text: string, where: string): Mention[] {
  const out: Mention[] = [];
  for (const m of text.matchAll(/`([^`]+)`/g)) out.push({ where, text: m[1]!, fromBackticks: true });
  for (const m of text.matchAll(/(?:^|[\s(])['"]((?:sudo )?tscompose [^'"]+)['"]/g)) out.push({ where, text: m[1]!, fromBackticks: false });
  for (const m of text.matchAll(/(?:^|\s)((?:sudo )?tscompose (?:\.\.\.|--?[a-z][\w-]*)[^()]*?)\s*(?:\(|$)/g)) out.push({ where, text: m[1]!, fromBackticks: false });
  for (const m of text.matchAll(/--engine[ =](\w+)/g)) out.push({ where, text: `tscompose --engine ${m[1]!}`, fromBackticks: false });
  return out;
}

const isPlaceholder = (token: string) => /ARG|^[A-Z][A-Z0-9_:.[\]=-]*$|^<.*>$|^\[.*\]$/.test(token);

/** What is wrong with the command line `text` (undefined when it is not one of ours or is right). */
export function checkMention(program: Command, mention: Mention): string | undefined {
  const tokens = mention.text.trim().split(/\s+/);
  if (tokens[0] === 'sudo') tokens.shift();
  if (tokens[0] === 'tscompose') tokens.shift();
  else if (!mention.fromBackticks || !program.commands.some((c) => c.name() === tokens[0])) return undefined;
  let cmd = program;
  let path = 'tscompose';
  const given = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '...' || token === '…') return undefined;
    if (/^-[a-zA-Z]{2,}$/.test(token)) tokens.splice(i + 1, 0, ...[...token.slice(2)].map((c) => `-${c}`));
    if (token.startsWith('-') && token !== '-' && token !== '--') {
      const name = /^-[a-zA-Z]{2,}$/.test(token) ? token.slice(0, 2) : token.split('=')[0]!;
      const option = cmd.options.find((o) => o.short === name || o.long === name);
      if (!option) return `\`${path}\` has no option ${name}`;
      given.add(option.attributeName());
      if ((option.required || option.optional) && !token.includes('=') && !/^-[a-zA-Z]{2,}$/.test(token)) {
        const value = tokens[++i];
        if (option.long === '--engine' && value !== undefined && !isPlaceholder(value) && !(ENGINE_KINDS as readonly string[]).includes(value)) {
          return `--engine ${value} is not an engine (${ENGINE_KINDS.join(', ')})`;
        }
      }
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === token || c.aliases().includes(token));
    if (sub) {
      cmd = sub;
      path += ` ${token}`;
      continue;
    }
    const isGroup = cmd.commands.length > 0 && cmd.registeredArguments.length === 0;
    if (isGroup && !isPlaceholder(token)) return `\`${path} ${token}\` is not a command`;
  }
  const missing = cmd.options.filter((o) => o.mandatory && !given.has(o.attributeName()));
  if (missing.length > 0 && cmd !== program) return `\`${path}\` needs ${missing.map((o) => o.flags).join(', ')}`;
  return undefined;
}

let program: Command;
s.before(async () => {
  program = await buildProgram();
});

s('every command and flag that a message of src/ names exists in the CLI', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const file of sourceFiles(SRC)) {
    for (const { text, line } of stringTexts(file)) {
      for (const mention of mentionsIn(text, `${relative(SRC, file)}:${line}`)) {
        const problem = checkMention(program, mention);
        if (problem) problems.push(`src/${mention.where}: "${mention.text}": ${problem}`);
        else checked++;
      }
    }
  }
  assert.equal(problems, []);
  assert.ok(checked > 20, `only ${checked} mentions found: the extraction is broken`);
});

s('the checker finds a command, a subcommand, a flag and an engine that do not exist', () => {
  const check = (text: string) => mentionsIn(text, 'x').map((m) => checkMention(program, m)).filter(Boolean);
  assert.equal(check('create it with `tscompose network create foo`'), ['`tscompose network` is not a command']);
  assert.equal(check('run `tscompose image prune`'), ['`tscompose image prune` is not a command']);
  assert.equal(check('use `tscompose up --detached`'), ['`tscompose up` has no option --detached']);
  assert.equal(check('use `tscompose up --dry-run`'), ['`tscompose up` has no option --dry-run'], 'global flags come before the command');
  assert.equal(check('load it with `image load`'), ['`tscompose image load` needs -i, --input <file>']);
  assert.equal(check('or use --engine podman'), ['--engine podman is not an engine (embedded, docker)']);
  assert.equal(check('use `tscompose --dry-run up -d`, `run -i`, `tscompose login ${x}`, `apt-get install runc`, sudo tscompose ... (or so)'), []);
});

s.run();
