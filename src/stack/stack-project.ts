// A loaded project plus what its labels record about where it came from.
import type { Project } from '../compose/model.js';

export interface StackProject {
  readonly project: Project;
  /** Project directory (`com.docker.compose.project.working_dir`). */
  readonly workingDir: string;
  readonly configFiles: readonly string[];
  readonly environmentFiles: readonly string[];
  /** The project environment (OS and .env): what `environment:` secrets and configs read. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Name of a top-level volume on the engine (`<project>_<key>` unless `name:` says otherwise). */
export function volumeName(project: Project, key: string): string {
  return project.volumes[key]?.name ?? `${project.name}_${key}`;
}

/** Name of a top-level network on the engine. */
export function networkName(project: Project, key: string): string {
  return project.networks[key]?.name ?? `${project.name}_${key}`;
}
