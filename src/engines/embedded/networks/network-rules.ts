// The firewall rules of one bridge network, after Docker's (bridge driver,
// userland proxy off): forwarding in and out of the bridge, MASQUERADE for
// egress, isolation from our other networks, and what published ports need.
import type { Rule } from './firewall.js';

export interface BridgeNet {
  /** Short id: the rules' tag. */
  id12: string;
  bridge: string;
  subnet: string;
  internal: boolean;
  /** `enable_icc` (default true): containers of the network reach each other. */
  icc?: boolean;
  /** `enable_ip_masquerade` (default true). */
  masquerade?: boolean;
}

export function networkRules(n: BridgeNet): Rule[] {
  const tag = `tsc:${n.id12}`;
  const filter = (chain: Rule['chain'], ...args: string[]): Rule => ({ table: 'filter', chain, args, tag });
  const nat = (chain: Rule['chain'], ...args: string[]): Rule => ({ table: 'nat', chain, args, tag });
  const rules: Rule[] = [];
  if (n.internal) {
    // No way in or out but between the bridge's own ports.
    rules.push(filter('TSC-ISOLATION', '-i', n.bridge, '!', '-o', n.bridge, '-j', 'DROP'));
    rules.push(filter('TSC-ISOLATION', '!', '-i', n.bridge, '-o', n.bridge, '-j', 'DROP'));
  }
  rules.push(
    filter('TSC-FORWARD', '-o', n.bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'),
    // Published ports: anything DNATed to a container here.
    filter('TSC-FORWARD', '-o', n.bridge, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'ACCEPT'),
    // enable_icc=false: containers of the network do not reach each other (bridged traffic
    // goes through these rules with br_netfilter, which the network setup makes sure of).
    filter('TSC-FORWARD', '-i', n.bridge, '-o', n.bridge, '-j', n.icc === false ? 'DROP' : 'ACCEPT'),
  );
  if (!n.internal) rules.push(filter('TSC-FORWARD', '-i', n.bridge, '!', '-o', n.bridge, '-j', 'ACCEPT'));
  // Containers are reached through published ports only, not routed to directly from outside.
  rules.push(filter('TSC-FORWARD', '-o', n.bridge, '-j', 'DROP'));
  if (!n.internal && n.masquerade !== false) rules.push(nat('TSC-POSTROUTING', '-s', n.subnet, '!', '-o', n.bridge, '-j', 'MASQUERADE'));
  // route_localnet is on for the bridge (published ports on 127.0.0.1): a container must not
  // reach the host's loopback services with it (kube-proxy's CVE-2020-8558 fix). Replies to
  // connections the host made are let through; a published port is DNATed before INPUT.
  rules.push(
    filter('TSC-INPUT', '-i', n.bridge, '-d', '127.0.0.0/8', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED,DNAT', '-j', 'RETURN'),
    filter('TSC-INPUT', '-i', n.bridge, '-d', '127.0.0.0/8', '-j', 'DROP'),
  );
  rules.push(
    // A published port reached on 127.0.0.1: the source must not stay a loopback address on the bridge.
    nat('TSC-POSTROUTING', '-s', '127.0.0.0/8', '-o', n.bridge, '-j', 'MASQUERADE'),
    // Hairpin: a container reaching a published port that leads back into its own network.
    nat('TSC-POSTROUTING', '-s', n.subnet, '-o', n.bridge, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'MASQUERADE'),
  );
  return rules;
}

/**
 * Two of our networks cannot reach each other (Docker's DOCKER-ISOLATION
 * chains, here rules per direction and pair). Traffic to a published port
 * (DNAT) is let through, as it is from anywhere else. (Not `! --ctstate DNAT`:
 * iptables-nft 1.8.9 drops the negation when it translates it.)
 */
export function isolationRules(a: BridgeNet, b: BridgeNet): Rule[] {
  const tag = `tsc:${a.id12}+${b.id12}`;
  const rule = (from: string, to: string, ...args: string[]): Rule => ({ table: 'filter', chain: 'TSC-ISOLATION', tag, args: ['-i', from, '-o', to, ...args] });
  return [a, b].flatMap(({ bridge: from }) => {
    const to = from === a.bridge ? b.bridge : a.bridge;
    return [rule(from, to, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'RETURN'), rule(from, to, '-j', 'DROP')];
  });
}
