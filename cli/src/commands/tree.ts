import path from 'node:path/posix';
import type { Command } from 'commander';
import { listTrash, purgeNode, restoreNode, trashNode, updateNode } from '../api/sdk.gen.ts';
import { signedInAction } from '../command-action.ts';
import { unwrap } from '../connection.ts';
import { CliError, ExitCode, notFound } from '../errors.ts';
import { printJson, printLine, say } from '../output.ts';
import { type RemoteNode, resolveFolder, resolvePath } from '../remote-paths.ts';
import { displayName, longLine } from './listing.ts';

async function* trashItems(): AsyncGenerator<RemoteNode> {
  let cursor: string | undefined;
  do {
    const page = await unwrap(
      listTrash({ query: { limit: 1000, sort: 'updatedAt', order: 'desc', cursor } }),
    );
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

/** A trashed node by its id, or by its name when one trashed node has it. */
async function trashedNamed(nameOrId: string): Promise<RemoteNode> {
  const matches: RemoteNode[] = [];
  for await (const item of trashItems())
    if (item.id === nameOrId || item.name === nameOrId) matches.push(item);
  if (matches.length === 0) throw notFound(`${nameOrId} in the trash`);
  if (matches.length > 1 && matches[0]?.id !== nameOrId)
    throw new CliError(
      `${nameOrId}: ${matches.length} trashed nodes have that name; give the id (fileshare trash)`,
    );
  return matches[0] as RemoteNode;
}

export function registerTreeCommands(program: Command) {
  program
    .command('mv')
    .description('rename or move a file or folder (into <to> when it is a folder)')
    .argument('<from>')
    .argument('<to>')
    .action(
      signedInAction(async (options, from: string, to: string) => {
        const node = await resolvePath(from);
        const existing = await resolvePath(to).catch(() => undefined);
        const destination =
          existing?.kind === 'folder'
            ? { parentId: existing.id, name: node.name }
            : { parentId: (await resolveFolder(path.dirname(`/${to}`))).id, name: path.basename(`/${to}`) };
        const moved = await unwrap(updateNode({ path: { id: node.id }, body: destination }));
        if (options.json) printJson(moved);
      }),
    );

  program
    .command('cp')
    .description('copy a file or folder')
    .argument('<from>')
    .argument('<to>')
    .action(
      signedInAction(async () => {
        throw new CliError('cp: copying is not supported by the server', ExitCode.failed, 'not_supported');
      }),
    );

  program
    .command('rm')
    .description('move files or folders to the trash (--purge: delete them for good)')
    .argument('<paths...>')
    .option('--purge', 'delete for good, freeing the storage')
    .action(
      signedInAction(async (options, paths: string[]) => {
        for (const remote of paths) {
          const node = await resolvePath(remote);
          if (node.parentId === null) throw new CliError('rm: the root folder stays');
          await unwrap(trashNode({ path: { id: node.id } }));
          if (options.purge) await unwrap(purgeNode({ path: { id: node.id } }));
          say(options, `${remote}: ${options.purge ? 'deleted' : 'moved to the trash'}`);
        }
      }),
    );

  program
    .command('trash')
    .description('what is in the trash, newest first')
    .option('-l, --long', 'kind, size and date too')
    .action(
      signedInAction(async (options) => {
        const items: RemoteNode[] = [];
        for await (const item of trashItems()) items.push(item);
        if (options.json) return printJson(items);
        for (const item of items)
          printLine(`${item.id}  ${options.long ? longLine(item, displayName(item)) : displayName(item)}`);
      }),
    );

  program
    .command('restore')
    .description('take a file or folder out of the trash (by name or id, see fileshare trash)')
    .argument('<names...>')
    .action(
      signedInAction(async (options, names: string[]) => {
        for (const name of names) {
          const node = await trashedNamed(name);
          const restored = await unwrap(restoreNode({ path: { id: node.id } }));
          if (options.json) printJson(restored);
          else say(options, `${name}: restored`);
        }
      }),
    );
}
