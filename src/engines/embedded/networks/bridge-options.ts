// `driver_opts` of a bridge network, as Docker's bridge driver reads them.
// Each one is applied, or refused with the reason: never dropped.
import { TscError } from '../../../util/errors.js';
import { parseIp } from './ipv4.js';

export const BRIDGE_OPT = {
  name: 'com.docker.network.bridge.name',
  mtu: 'com.docker.network.driver.mtu',
  hostBindingIpv4: 'com.docker.network.bridge.host_binding_ipv4',
  enableIcc: 'com.docker.network.bridge.enable_icc',
  enableIpMasquerade: 'com.docker.network.bridge.enable_ip_masquerade',
} as const;

export interface BridgeOptions {
  /** Containers of the network may talk to each other (`enable_icc`, default true). */
  icc: boolean;
  /** Egress is masqueraded behind the host's address (`enable_ip_masquerade`, default true). */
  masquerade: boolean;
  /** The host address published ports bind to when they name none (`host_binding_ipv4`). */
  hostBindingIpv4?: string;
}

function bool(network: string, key: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return true;
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  throw new TscError('INVALID_NETWORK_OPTION', `network "${network}": ${key} must be true or false, not "${value}"`);
}

/** The options of a network record (checked when it was made). */
export function readBridgeOptions(opts: Record<string, string> = {}): BridgeOptions {
  const off = (v: string | undefined) => v !== undefined && /^(false|0)$/i.test(v);
  const host = opts[BRIDGE_OPT.hostBindingIpv4];
  return { icc: !off(opts[BRIDGE_OPT.enableIcc]), masquerade: !off(opts[BRIDGE_OPT.enableIpMasquerade]), ...(host ? { hostBindingIpv4: host } : {}) };
}

/** Checks every option of a new network; `name` and `mtu` are read where the bridge is made. */
export function parseBridgeOptions(network: string, opts: Record<string, string> = {}): BridgeOptions {
  const known = new Set<string>(Object.values(BRIDGE_OPT));
  for (const key of Object.keys(opts)) {
    if (!known.has(key)) {
      throw new TscError('UNSUPPORTED_NETWORK_OPTION', `network "${network}": driver option "${key}" is not supported by the embedded engine (supported: ${[...known].join(', ')}); use --engine docker`);
    }
  }
  const host = opts[BRIDGE_OPT.hostBindingIpv4];
  if (host !== undefined && host !== '' && parseIp(host) === undefined) {
    throw new TscError('INVALID_NETWORK_OPTION', `network "${network}": ${BRIDGE_OPT.hostBindingIpv4} must be an IPv4 address, not "${host}"`);
  }
  return {
    icc: bool(network, BRIDGE_OPT.enableIcc, opts[BRIDGE_OPT.enableIcc]),
    masquerade: bool(network, BRIDGE_OPT.enableIpMasquerade, opts[BRIDGE_OPT.enableIpMasquerade]),
    ...(host ? { hostBindingIpv4: host } : {}),
  };
}
