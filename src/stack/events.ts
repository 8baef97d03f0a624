// Progress events from the core; the CLI alone decides how they look.
import type { ResourceKind } from './plan-types.js';

export type ProgressStatus =
  | 'Creating' | 'Created' | 'Starting' | 'Started' | 'Stopping' | 'Stopped'
  | 'Removing' | 'Removed' | 'Recreate' | 'Recreated' | 'Running' | 'Waiting' | 'Healthy' | 'Exited'
  | 'Restarting' | 'Restarted' | 'Killing' | 'Killed' | 'Pausing' | 'Paused' | 'Unpausing' | 'Unpaused'
  | 'Error';

export interface ProgressEvent {
  kind: ResourceKind;
  name: string;
  status: ProgressStatus;
  /** working: under way; done: this resource has reached its state; error: it failed. */
  state: 'working' | 'done' | 'error';
  detail?: string;
}

export type ProgressListener = (event: ProgressEvent) => void;
