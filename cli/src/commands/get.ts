import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { signedInAction } from '../command-action.ts';
import { type GetResult, getFile } from '../downloads/get-file.ts';
import { formatBytes, printJson, say } from '../output.ts';
import { transferProgress } from '../progress.ts';
import { childrenOf, pathNames, type RemoteNode, resolvePath } from '../remote-paths.ts';

interface FileToGet {
  node: RemoteNode;
  remote: string;
  local: string;
}

const isDirectory = (local: string) =>
  stat(local).then(
    (info) => info.isDirectory(),
    () => false,
  );

export function registerGetCommand(program: Command) {
  program
    .command('get')
    .description(
      'download files and folders (the last argument is the local target when there are two or more)',
    )
    .argument('<paths...>', 'remote files and folders, then where to put them')
    .action(
      signedInAction(async (options, paths: string[]) => {
        const remotes = paths.length > 1 ? paths.slice(0, -1) : paths;
        const target = paths.length > 1 ? (paths.at(-1) as string) : '.';
        const intoFolder = remotes.length > 1 || (await isDirectory(target));
        const files: FileToGet[] = [];
        for (const remote of remotes) {
          const node = await resolvePath(remote);
          const name = node.name || 'root';
          const local = intoFolder ? path.join(target, name) : target;
          await collect(node, remote, local, files);
        }
        const progress = transferProgress(
          options,
          files.reduce((sum, file) => sum + (file.node.size ?? 0), 0),
        );
        const results: GetResult[] = [];
        try {
          for (const file of files) {
            const bar = progress.file(file.remote, file.node.size ?? 0);
            const result = await getFile(file.node, file.remote, file.local, (bytes) => bar.update(bytes));
            const resumed = result.resumedFrom > 0 ? `, resumed at ${formatBytes(result.resumedFrom)}` : '';
            bar.done(`downloaded to ${file.local} (${formatBytes(result.size)}${resumed})`);
            results.push(result);
          }
        } finally {
          progress.stop();
        }
        if (options.json) printJson({ files: results });
        else say(options, `${results.length} files downloaded`);
      }),
    );
}

/** A file as itself; a folder as a local folder and everything under it. */
async function collect(node: RemoteNode, remote: string, local: string, files: FileToGet[]) {
  if (node.kind === 'file') {
    files.push({ node, remote, local });
    return;
  }
  await mkdir(local, { recursive: true });
  for await (const child of childrenOf(node.id)) {
    const childRemote = `/${[...pathNames(remote), child.name].join('/')}`;
    await collect(child, childRemote, path.join(local, child.name), files);
  }
}
