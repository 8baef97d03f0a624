// Progress events from the core; the CLI alone decides how they look.
import type { ResourceKind } from './plan-types.js';

export type ProgressStatus =
  | 'Creating' | 'Created' | 'Starting' | 'Started' | 'Stopping' | 'Stopped'
  | 'Removing' | 'Removed' | 'Recreate' | 'Recreated' | 'Running' | 'Waiting' | 'Healthy' | 'Exited'
  | 'Restarting' | 'Restarted' | 'Killing' | 'Killed' | 'Pausing' | 'Paused' | 'Unpausing' | 'Unpaused'
  | 'Error'
  // Images (pull, push) and their layers, in Docker's words.
  | 'Pulling' | 'Pulled' | 'Skipped' | 'Pushing' | 'Pushed' | 'Interrupted'
  | 'Downloading' | 'Verifying Checksum' | 'Download complete' | 'Extracting' | 'Pull complete' | 'Already exists'
  | 'Preparing' | 'Layer already exists' | 'Mounted';

export interface ProgressEvent {
  /** 'Service' and 'Layer' rows show their name alone, as `docker compose pull` does. */
  kind: ResourceKind | 'Service' | 'Layer';
  name: string;
  /** The label of the row this one is shown under (a layer under its service). */
  parent?: string;
  /** Bytes done and in all, while a layer moves. */
  current?: number;
  total?: number;
  status: ProgressStatus;
  /** working: under way; done: this resource has reached its state; error: it failed. */
  state: 'working' | 'done' | 'error';
  detail?: string;
}

export type ProgressListener = (event: ProgressEvent) => void;
