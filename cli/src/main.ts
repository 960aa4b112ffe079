import { Command, CommanderError } from 'commander';
import { registerAccountCommands } from './commands/account.ts';
import { registerGetCommand } from './commands/get.ts';
import { registerListingCommands } from './commands/listing.ts';
import { registerPutCommand } from './commands/put.ts';
import { registerShareCommands } from './commands/share.ts';
import { registerTreeCommands } from './commands/tree.ts';
import { ExitCode } from './errors.ts';

const program = new Command()
  .name('fileshare')
  .description('Fileshare from the command line: resumable uploads and downloads, for people and scripts')
  .option('--json', 'machine-readable output')
  .option('-q, --quiet', 'no progress and no messages, only errors')
  .showHelpAfterError()
  .exitOverride();

registerAccountCommands(program);
registerListingCommands(program);
registerPutCommand(program);
registerGetCommand(program);
registerTreeCommands(program);
registerShareCommands(program);

try {
  await program.parseAsync();
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // --help and --version end well; a bad command line is a usage error.
  process.exit(error.exitCode === 0 ? ExitCode.ok : ExitCode.usage);
}
