import password from '@inquirer/password';
import type { Command } from 'commander';
import { createShare, search } from '../api/sdk.gen.ts';
import { signedInAction } from '../command-action.ts';
import { unwrap } from '../connection.ts';
import { CliError, ExitCode } from '../errors.ts';
import { printJson, printLine } from '../output.ts';
import { resolvePath } from '../remote-paths.ts';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `7d`, `12h`, `30m`, `2w` from now, or a date. */
export function expiryOf(text: string, now = Date.now()): string {
  const relative = /^(\d+)\s*([mhdw])$/.exec(text.trim());
  if (relative)
    return new Date(now + Number(relative[1]) * (UNIT_MS[relative[2] as string] as number)).toISOString();
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new CliError(`--expires: "${text}" is neither like 7d, 12h, 30m nor a date`, ExitCode.usage);
  return date.toISOString();
}

async function sharePassword(given: string | boolean | undefined): Promise<string | undefined> {
  if (typeof given === 'string') return given;
  if (given !== true) return undefined;
  if (process.env.FILESHARE_SHARE_PASSWORD) return process.env.FILESHARE_SHARE_PASSWORD;
  if (!process.stdin.isTTY)
    throw new CliError(
      '--password: give it, set FILESHARE_SHARE_PASSWORD, or run on a terminal',
      ExitCode.usage,
    );
  return password({ message: 'Password for the link:', mask: false });
}

export function registerShareCommands(program: Command) {
  program
    .command('share')
    .description(
      'make a link to a file or folder (or, with --drop, a link to upload into a folder); prints its URL',
    )
    .argument('<path>')
    .option('--password [password]', 'ask for a password to open it (prompted when not given)')
    .option('--expires <when>', 'stop working after this long (7d, 12h, 30m) or at this date')
    .option('--max-downloads <n>', 'stop after this many whole downloads', (value) =>
      Number.parseInt(value, 10),
    )
    .option('--drop', 'a file drop: anyone holding it uploads into the folder')
    .action(
      signedInAction(async (options, remotePath: string) => {
        const node = await resolvePath(remotePath);
        const share = await unwrap(
          createShare({
            body: {
              nodeId: node.id,
              kind: options.drop ? 'drop' : 'link',
              password: await sharePassword(options.password as string | boolean | undefined),
              expiresAt: options.expires === undefined ? undefined : expiryOf(options.expires as string),
              maxDownloads: options.maxDownloads as number | undefined,
            },
          }),
        );
        if (options.json) printJson(share);
        else printLine(share.url);
      }),
    );

  program
    .command('search')
    .description('files and folders whose name holds every word')
    .argument('<words...>')
    .action(
      signedInAction(async (options, words: string[]) => {
        const hits = [];
        let cursor: string | undefined;
        do {
          const page = await unwrap(search({ query: { q: words.join(' '), limit: 100, cursor } }));
          hits.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined && hits.length < 1000);
        if (options.json) return printJson(hits);
        for (const hit of hits) {
          const where = hit.location.ownerId === null ? '' : '(shared) ';
          const folders = hit.location.path.map((folder) => folder.name).filter((name) => name !== '');
          printLine(
            `${where}/${[...folders, hit.node.name].join('/')}${hit.node.kind === 'folder' ? '/' : ''}`,
          );
        }
      }),
    );
}
