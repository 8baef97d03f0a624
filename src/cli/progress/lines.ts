// One event as one line: plain text (` Container demo-web-1  Started`) or JSON.
import type { ProgressEvent } from '../../stack/events.js';

/** `Container demo-web-1`; a service or layer row by its name alone. */
export function eventLabel(e: Pick<ProgressEvent, 'kind' | 'name'>): string {
  return e.kind === 'Service' || e.kind === 'Layer' ? e.name : `${e.kind} ${e.name}`;
}

export function renderPlainEvent(e: ProgressEvent): string {
  if (e.kind === 'Service' || e.kind === 'Layer') return ` ${e.name} ${e.status}${e.detail ? ` ${e.detail}` : ''}\n`;
  return ` ${e.kind} ${e.name}  ${e.status}${e.detail ? ` ${e.detail}` : ''}\n`;
}

export function renderJsonEvent(e: ProgressEvent): string {
  return `${JSON.stringify({
    id: eventLabel(e), ...(e.parent ? { parent_id: e.parent } : {}), kind: e.kind, name: e.name, status: e.status, state: e.state,
    ...(e.detail ? { text: e.detail } : {}), ...(e.total ? { current: e.current ?? 0, total: e.total } : {}), time: new Date().toISOString(),
  })}\n`;
}
