// Base of the errors the short-syntax parsers throw. Their messages are
// plain (no path, no position): the canonical stage adds both.
export class ShortSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
