// One event as one line: plain text (` Container demo-web-1  Started`) or JSON.
import type { ProgressEvent } from '../../stack/events.js';

export function renderPlainEvent(e: ProgressEvent): string {
  return ` ${e.kind} ${e.name}  ${e.status}${e.detail ? ` ${e.detail}` : ''}\n`;
}

export function renderJsonEvent(e: ProgressEvent): string {
  return `${JSON.stringify({ id: `${e.kind} ${e.name}`, kind: e.kind, name: e.name, status: e.status, state: e.state, ...(e.detail ? { text: e.detail } : {}), time: new Date().toISOString() })}\n`;
}
