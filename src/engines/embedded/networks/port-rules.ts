// Kernel rules of one container's published ports: a DNAT in TSC-NAT (jumped
// to from PREROUTING and OUTPUT for local destinations, so it serves the
// host's addresses, 127.0.0.1 and containers reaching the host alike).
import type { Rule } from './firewall.js';

export interface PublishedPort {
  /** '' or '0.0.0.0': every address of the host. */
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export function portRules(containerId12: string, containerIp: string, ports: PublishedPort[]): Rule[] {
  const tag = `tsc:${containerId12}`;
  return ports.map((p) => ({
    table: 'nat', chain: 'TSC-NAT', tag,
    args: [
      ...(p.hostIp && p.hostIp !== '0.0.0.0' ? ['-d', `${p.hostIp}/32`] : []),
      '-p', p.protocol, '-m', p.protocol, '--dport', String(p.hostPort),
      '-j', 'DNAT', '--to-destination', `${containerIp}:${p.containerPort}`,
    ],
  }));
}
