// A mistake in a Dockerfile, named `Dockerfile:LINE` as Docker names it.
import { TscError } from '../util/errors.js';

export class DockerfileError extends TscError {
  constructor(readonly file: string, readonly line: number, message: string, code = 'DOCKERFILE_INVALID') {
    super(code, message);
  }
  override format(): string {
    return `${this.file}:${this.line}: ${this.message}`;
  }
}
