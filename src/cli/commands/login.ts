// `tscompose login` / `logout`: credentials in Docker's config.json (or its
// credential helper), checked against the registry first, as `docker login`.
import type { Command } from 'commander';
import { eraseCredentials, storeCredentials } from '../../engines/embedded/registry/credentials.js';
import { RegistrySession } from '../../engines/embedded/registry/session.js';
import { TscError } from '../../util/errors.js';

interface LoginFlags {
  username?: string;
  password?: string;
  passwordStdin: boolean;
}

/** `https://reg.example:5000/v2/` → `reg.example:5000`; none → Docker Hub. */
export function registryOfServer(server: string | undefined): string {
  if (!server) return 'docker.io';
  const host = server.replace(/^https?:\/\//, '').split('/')[0]!;
  return ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(host) ? 'docker.io' : host;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('Log in to a registry (stored as `docker login` stores it)')
    .argument('[server]', 'Registry host (default: Docker Hub)')
    .option('-u, --username <username>', 'Username')
    .option('-p, --password <password>', 'Password')
    .option('--password-stdin', 'Take the password from stdin', false)
    .action(async (server: string | undefined, flags: LoginFlags) => {
      if (flags.password !== undefined && flags.passwordStdin) throw new TscError('CLI_USAGE', '--password and --password-stdin are mutually exclusive');
      if (!flags.username) throw new TscError('CLI_USAGE', 'login needs a username: -u USER, with --password-stdin');
      if (flags.password !== undefined) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
      const password = flags.passwordStdin ? await readStdin() : flags.password;
      if (!password) throw new TscError('CLI_USAGE', 'login needs a password: --password-stdin (or -p)');
      const registry = registryOfServer(server);
      const credentials = { username: flags.username, secret: password };
      await new RegistrySession(registry, { credentials }).verifyLogin();
      await storeCredentials(registry, credentials);
      process.stdout.write('Login Succeeded\n');
    });
}

export function registerLogout(program: Command): void {
  program
    .command('logout')
    .description('Log out from a registry')
    .argument('[server]', 'Registry host (default: Docker Hub)')
    .action(async (server: string | undefined) => {
      const registry = registryOfServer(server);
      const shown = registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
      if (await eraseCredentials(registry)) process.stdout.write(`Removing login credentials for ${shown}\n`);
      else process.stdout.write(`Not logged in to ${shown}\n`);
    });
}
