// Container events of a project as `docker compose events` prints them,
// found by comparing two listings of its containers (the engine keeps no
// event log): create, start, die, pause, unpause, health_status, destroy.
import type { ContainerSummary } from '../../engine/types.js';

export interface ContainerEvent {
  time: Date;
  service: string;
  id: string;
  action: string;
  attributes: Record<string, string>;
}

const SERVICE_LABEL = 'com.docker.compose.service';

export function diffContainers(before: ReadonlyMap<string, ContainerSummary>, after: ReadonlyMap<string, ContainerSummary>, time = new Date()): ContainerEvent[] {
  const out: ContainerEvent[] = [];
  const event = (c: ContainerSummary, action: string, extra: Record<string, string> = {}) =>
    out.push({ time, service: c.labels[SERVICE_LABEL] ?? '', id: c.id, action, attributes: { ...attributesOf(c), ...extra } });
  for (const [id, now] of after) {
    const was = before.get(id);
    if (!was) {
      event(now, 'create');
      if (now.state.running) event(now, 'start');
      continue;
    }
    const restarted = now.state.running && was.state.running && now.state.startedAt !== was.state.startedAt;
    if ((was.state.running && !now.state.running) || restarted) event(now, 'die', { exitCode: String(now.state.exitCode) });
    if ((!was.state.running && now.state.running) || restarted) event(now, 'start');
    if (!was.state.paused && now.state.paused) event(now, 'pause');
    if (was.state.paused && !now.state.paused) event(now, 'unpause');
    const health = now.state.health?.status;
    if (health && health !== was.state.health?.status) out.push({ time, service: now.labels[SERVICE_LABEL] ?? '', id, action: `health_status: ${health}`, attributes: attributesOf(now) });
  }
  for (const [id, was] of before) if (!after.has(id)) event(was, 'destroy');
  return out;
}

/** The actor's attributes without Compose's own labels, as Compose prints them (and without ours, the service's whole config). */
function attributesOf(c: ContainerSummary): Record<string, string> {
  const out: Record<string, string> = { image: c.image, name: c.name };
  for (const [k, v] of Object.entries(c.labels)) if (!k.startsWith('com.docker.compose.') && !k.startsWith('io.tscompose.')) out[k] = v;
  return out;
}

/** `2006-01-02 15:04:05.000000 container ACTION ID (k=v, ...)`. */
export function formatEvent(e: ContainerEvent): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const t = e.time;
  const stamp = `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}.${p(t.getMilliseconds(), 3)}000`;
  const attrs = Object.entries(e.attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(', ');
  return `${stamp} container ${e.action} ${e.id} (${attrs})\n`;
}

export function formatEventJson(e: ContainerEvent): string {
  return `${JSON.stringify({ action: e.action, attributes: e.attributes, id: e.id, service: e.service, time: e.time.toISOString(), type: 'container' })}\n`;
}
