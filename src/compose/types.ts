// STUB (to be completed): typed model of a normalized Compose project.
export interface ServicePortConfig {
  name?: string;
  mode?: string;
  host_ip?: string;
  target: number;
  published?: string;
  protocol?: string;
  app_protocol?: string;
}
