import type { Command } from 'commander';
import { createFolder } from '../api/sdk.gen.ts';
import { signedInAction } from '../command-action.ts';
import { unwrap } from '../connection.ts';
import { formatBytes, printJson, printLine } from '../output.ts';
import {
  childrenOf,
  ensurePath,
  pathNames,
  type RemoteNode,
  resolveFolder,
  resolvePath,
} from '../remote-paths.ts';

/** `ls --long`: kind, size, date and name, one node a line. */
export function longLine(node: Pick<RemoteNode, 'kind' | 'size' | 'updatedAt' | 'name'>, name = node.name) {
  const kind = node.kind === 'folder' ? 'd' : '-';
  const size = node.kind === 'folder' ? '-' : formatBytes(node.size ?? 0);
  return `${kind} ${size.padStart(10)}  ${node.updatedAt.slice(0, 19).replace('T', ' ')}  ${name}`;
}

export const displayName = (node: Pick<RemoteNode, 'kind' | 'name'>) =>
  node.kind === 'folder' ? `${node.name}/` : node.name;

export function registerListingCommands(program: Command) {
  program
    .command('ls')
    .description('list a folder (or show a file)')
    .argument('[path]', 'a slash path from your root', '/')
    .option('-l, --long', 'kind, size and date too')
    .action(
      signedInAction(async (options, remotePath: string) => {
        const node = await resolvePath(remotePath);
        const nodes: RemoteNode[] = [];
        if (node.kind === 'file') nodes.push(node);
        else for await (const child of childrenOf(node.id)) nodes.push(child);
        if (options.json) return printJson(nodes);
        for (const child of nodes)
          printLine(options.long ? longLine(child, displayName(child)) : displayName(child));
      }),
    );

  program
    .command('mkdir')
    .description('make a folder')
    .argument('<path>', 'the folder to make')
    .option('-p, --parents', 'make missing folders on the way; no error if it exists')
    .action(
      signedInAction(async (options, remotePath: string) => {
        const names = pathNames(remotePath);
        const made = options.parents
          ? await ensurePath(remotePath)
          : await makeOne(names.slice(0, -1).join('/'), names.at(-1) ?? '');
        if (options.json) printJson(made);
      }),
    );
}

/** `mkdir` without -p: the parent must exist, the name must be free. */
async function makeOne(parentPath: string, name: string) {
  const parent = await resolveFolder(parentPath);
  return unwrap(createFolder({ body: { parentId: parent.id, name } }));
}
