import password from '@inquirer/password';
import type { Command } from 'commander';
import { getMe } from '../api/sdk.gen.ts';
import { action, signedInAction } from '../command-action.ts';
import { unwrap } from '../connection.ts';
import { obtainCredential, revokeCredential } from '../credential.ts';
import { CliError, ExitCode } from '../errors.ts';
import { formatBytes, printJson, printLine, say } from '../output.ts';
import { forgetAccount, normaliseUrl, readAccount, saveAccount } from '../settings.ts';

async function askPassword(): Promise<string> {
  const fromEnvironment = process.env.FILESHARE_PASSWORD;
  if (fromEnvironment) return fromEnvironment;
  if (!process.stdin.isTTY)
    throw new CliError('no password: set FILESHARE_PASSWORD or run on a terminal', ExitCode.usage);
  return password({ message: 'Password:', mask: false });
}

export function registerAccountCommands(program: Command) {
  program
    .command('login')
    .description('sign in to a Fileshare server and remember it')
    .argument('<url>', 'the server, e.g. https://files.example.com')
    .option('-u, --username <name>', 'the account (default: $USER)')
    .action(
      action(async (options, url: string) => {
        const username = (options.username as string | undefined) ?? process.env.USER ?? '';
        const account = await obtainCredential(normaliseUrl(url), username, await askPassword());
        await saveAccount(account);
        if (options.json) printJson({ url: account.url, username: account.username });
        else say(options, `Signed in to ${account.url} as ${account.username}.`);
      }),
    );

  program
    .command('logout')
    .description('revoke the saved credential and forget it')
    .action(
      action(async (options) => {
        const account = await readAccount();
        if (account === null) return say(options, 'Not signed in.');
        try {
          await revokeCredential(account);
        } finally {
          await forgetAccount();
        }
        say(options, `Signed out of ${account.url}.`);
      }),
    );

  program
    .command('whoami')
    .description('the signed-in account')
    .action(
      signedInAction(async (options) => {
        const me = await unwrap(getMe());
        if (options.json) printJson(me);
        else printLine(me.username);
      }),
    );

  program
    .command('df')
    .description('storage used and quota')
    .action(
      signedInAction(async (options) => {
        const me = await unwrap(getMe());
        if (options.json)
          return printJson({
            usedBytes: me.usedBytes,
            reservedBytes: me.reservedBytes,
            quotaBytes: me.quotaBytes,
          });
        const quota = me.quotaBytes === null ? 'no quota' : `of ${formatBytes(me.quotaBytes)}`;
        const free =
          me.quotaBytes === null
            ? ''
            : `, ${formatBytes(Math.max(0, me.quotaBytes - me.usedBytes - me.reservedBytes))} free`;
        printLine(`${formatBytes(me.usedBytes)} used ${quota}${free}`);
      }),
    );
}
