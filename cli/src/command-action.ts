import type { Command } from 'commander';
import { connect } from './connection.ts';
import { CliError, ExitCode } from './errors.ts';
import type { OutputOptions } from './output.ts';
import { currentAccount } from './settings.ts';

export type GlobalOptions = OutputOptions & Record<string, unknown>;

/** A failure as one line on standard error, and its exit code. */
export function fail(error: unknown): never {
  if (error instanceof CliError) {
    process.stderr.write(`fileshare: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`fileshare: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env.FILESHARE_DEBUG) console.error(error);
  process.exit(ExitCode.failed);
}

/**
 * A command's action: `run` gets the command's arguments and its options (the global ones
 * included); a failure ends the process through `fail`.
 */
export function action<A extends unknown[]>(run: (options: GlobalOptions, ...args: A) => Promise<void>) {
  return async (...received: unknown[]) => {
    const command = received.at(-1) as Command;
    const args = received.slice(0, command.registeredArguments.length) as A;
    try {
      await run(command.optsWithGlobals<GlobalOptions>(), ...args);
    } catch (error) {
      fail(error);
    }
  };
}

/** The same, signed in: the generated client points at the account's server first. */
export function signedInAction<A extends unknown[]>(
  run: (options: GlobalOptions, ...args: A) => Promise<void>,
) {
  return action<A>(async (options, ...args) => {
    connect(await currentAccount());
    await run(options, ...args);
  });
}
