// The IPv4 prefixes the host already routes (all tables): a new network's
// subnet must overlap none of them, or its traffic would go astray.
import { ipJson } from './commands.js';
import { parseCidr, type Cidr } from './ipv4.js';

interface Route {
  dst: string;
  type?: string;
}

export async function hostRouteSubnets(): Promise<Cidr[]> {
  const routes = await ipJson<Route>('-4', 'route', 'show', 'table', 'all');
  const out: Cidr[] = [];
  for (const r of routes) {
    if (r.dst === 'default' || r.type === 'broadcast' || r.type === 'multicast') continue;
    const c = parseCidr(r.dst);
    if (c && c.prefix > 0) out.push(c);
  }
  return out;
}
