import { UsageError } from './cli/command.ts';
import { commands } from './cli/index.ts';
import { ConfigError } from './config/config.ts';
import { DomainError } from './shared/errors.ts';

function help(): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return `Usage: chorus <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "chorus <command> --help" for a command's usage.`;
}

/** The one entry point: `chorus serve | worker | migrate | petition …`. */
export async function main(argv: readonly string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${help()}`);
    process.exitCode = 2;
    return;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`Usage:\n${command.usage.split('\n').map((l) => `  ${l}`).join('\n')}\n\n${command.summary}`);
    return;
  }
  try {
    process.exitCode = await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\nUsage:\n${command.usage.split('\n').map((l) => `  ${l}`).join('\n')}`);
      process.exitCode = 2;
    } else if (error instanceof ConfigError || error instanceof DomainError) {
      console.error(error.message);
      process.exitCode = 1;
    } else {
      console.error(error instanceof Error ? `Error: ${error.message}` : error);
      process.exitCode = 1;
    }
  }
}
