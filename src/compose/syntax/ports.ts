// STUB (to be implemented): the short port syntax of Compose.
import type { ServicePortConfig } from '../types.js';

/**
 * Parses a short port spec (`"8080:80"`, `"127.0.0.1:8080:80/udp"`,
 * `"8080-8082:80-82"`, `"80"`, `3000` as number) into one long-form entry per
 * port, as Docker Compose v2 does (`mode: ingress`, `protocol: tcp`,
 * `published` as a string). Throws `PortSyntaxError` with a plain message
 * ("expected a port like `8080:80`, got `80:80:80:80`").
 */
export function parsePortSpec(spec: string | number): ServicePortConfig[] {
  throw new PortSyntaxError(`not implemented: ${spec}`);
}

export class PortSyntaxError extends Error {}
