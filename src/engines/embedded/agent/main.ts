// The agent process: `node main.js --root <root> [--dns-port N] [--upstream ip[:port]]...`.
// Started detached by ensureAgent, with stdout and stderr going to <root>/agent/agent.log.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseUpstream } from '../dns/resolv-conf.js';
import { Agent, type AgentLog } from './agent.js';
import { DnsService } from './dns-service.js';
import { HealthService } from './health-service.js';
import { LogRotateService } from './log-rotate-service.js';
import { RestartService } from './restart-service.js';

const log: AgentLog = (message) => process.stdout.write(`${new Date().toISOString()} [${process.pid}] ${message}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      root: { type: 'string' },
      'dns-port': { type: 'string' },
      upstream: { type: 'string', multiple: true },
      'resolv-conf': { type: 'string' },
      'rescan-ms': { type: 'string' },
    },
    strict: true,
  });
  if (!values.root) {
    log('usage: main.js --root <state root> [--dns-port N] [--upstream ip[:port]]... [--resolv-conf file] [--rescan-ms N]');
    return 2;
  }
  const root = values.root;
  const dns = new DnsService({
    root,
    log,
    port: values['dns-port'] ? Number(values['dns-port']) : undefined,
    upstreams: values.upstream?.map(parseUpstream),
    resolvConf: values['resolv-conf'],
    rescanMs: values['rescan-ms'] ? Number(values['rescan-ms']) : undefined,
  });
  const agent = new Agent({ root, services: [dns, new HealthService({ root, log }), new RestartService({ root, log }), new LogRotateService({ root, log })], log });
  const result = await agent.start();
  if (!result.started) {
    log(`another agent (pid ${result.otherPid}) serves ${root}: exiting`);
    return 0;
  }
  log(`agent started for ${root}`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: stopping`);
      agent.stop().finally(resolve);
    };
    // A state root that is gone (a test's temporary root, a removed install) has nothing left to look after.
    const rootCheck = setInterval(() => {
      if (!existsSync(root)) stop('state root removed');
    }, 2_000);
    rootCheck.unref();
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => void dns.reload());
  });
  log('agent stopped');
  return 0;
}

process.on('uncaughtException', (error) => {
  log(`fatal: ${error.stack ?? error.message}`);
  process.exit(1);
});

main().then((code) => process.exit(code), (error: Error) => {
  log(`fatal: ${error.stack ?? error.message}`);
  process.exit(1);
});
