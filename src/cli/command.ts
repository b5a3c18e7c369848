import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One CLI command: a name, a line of help, and what it does with its arguments. */
export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  run(argv: readonly string[]): Promise<number>;
}

/** Thrown for a wrong command line; printed with the command's usage, exit status 2. */
export class UsageError extends Error {}

export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function requireOption(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required.`);
  return value;
}
