// What changed between the service config a container was made from and the
// current one, in words: `environment.LOG_LEVEL: info → warn`.

export function diffServiceConfigs(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  walk(before, after, '', out);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(a[k], b[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    // Lists of plain values read better whole: `command: [a b] → [a c]`.
    if (a.every(isScalar) && b.every(isScalar)) {
      if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${show(a)} → ${show(b)}`);
      return;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${show(a)} → ${show(b)}`);
}

/** Values as YAML would show them: bare strings unless they would read as something else. */
function show(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') {
    return value === '' || /^[-+]?(\d|\.\d)|^(true|false|null|yes|no|on|off|~)$/i.test(value) || /[\s:#,[\]{}"']/.test(value)
      ? JSON.stringify(value)
      : value;
  }
  if (Array.isArray(value) && value.every(isScalar)) return `[${value.map(show).join(' ')}]`;
  return JSON.stringify(value);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}
