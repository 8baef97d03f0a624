// STUB (to be implemented): the `.env` syntax of Compose.
export type Lookup = (name: string) => string | undefined;

/** Parses `.env` text; values may use variables from `lookup` and earlier keys. Errors name file:line:column. */
export function parseDotenv(text: string, file: string, lookup: Lookup = () => undefined): Record<string, string> {
  void text; void file; void lookup;
  throw new Error('not implemented');
}
