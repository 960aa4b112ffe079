import type { Command } from 'commander';
import { Option } from 'commander';
import { signedInAction } from '../command-action.ts';
import { CliError, ExitCode } from '../errors.ts';
import { formatBytes, printJson, say } from '../output.ts';
import { transferProgress } from '../progress.ts';
import { childrenOf, ensureFolder, type RemoteNode, resolveFolder } from '../remote-paths.ts';
import { type FileToPut, localTree } from '../uploads/local-tree.ts';
import { listOpenSessions, type OnConflict, type PutResult, putFile } from '../uploads/put-file.ts';

/** Small files go several at a time; a large file's parts already fill the connection. */
const FILES_AT_A_TIME = 4;

export function registerPutCommand(program: Command) {
  program
    .command('put')
    .description(
      'upload files and folders (the last argument is the remote folder when there are two or more)',
    )
    .argument('<paths...>', 'local files and folders, then the remote folder')
    .addOption(
      new Option('--on-conflict <what>', 'when the name is taken')
        .choices(['fail', 'rename', 'replace'])
        .default('fail'),
    )
    .action(
      signedInAction(async (options, paths: string[]) => {
        const locals = paths.length > 1 ? paths.slice(0, -1) : paths;
        const target = await resolveFolder(paths.length > 1 ? (paths.at(-1) as string) : '/');
        const { files, folders } = await localTree(locals);
        const remote = new RemoteFolders(target);
        for (const folder of folders) await remote.folder(folder);
        const openSessions = await listOpenSessions();
        const progress = transferProgress(
          options,
          files.reduce((sum, file) => sum + file.size, 0),
        );
        const results: PutResult[] = [];
        const failures: string[] = [];
        const queue = [...files];
        const worker = async () => {
          for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
            const label = [...file.folders, file.name].join('/');
            const bar = progress.file(label, file.size);
            try {
              const folder = await remote.folder(file.folders);
              const result = await putFile({
                file,
                folder,
                name: file.name,
                onConflict: options.onConflict as OnConflict,
                existing: await remote.child(folder, file.name),
                openSessions,
                progress: {
                  onStart: (_size, session, resumed) => {
                    if (resumed)
                      bar.note(
                        `resuming: ${session.uploadedParts.length} of ${session.partCount} parts already sent`,
                      );
                  },
                  onSent: (bytes) => bar.update(bytes),
                  onPart: (number, session) => bar.note(`part ${number} of ${session.partCount} sent`),
                },
              });
              results.push(result);
              bar.done(describe(result, file));
            } catch (error) {
              if (error instanceof CliError && error.exitCode !== ExitCode.conflict) throw error;
              failures.push((error as Error).message);
              bar.done((error as Error).message);
            }
          }
        };
        try {
          await Promise.all(Array.from({ length: FILES_AT_A_TIME }, worker));
        } finally {
          progress.stop();
        }
        if (options.json) printJson({ files: results, failed: failures });
        if (failures.length > 0)
          throw new CliError(
            `${failures.length} of ${files.length} files not uploaded: ${failures[0]}`,
            ExitCode.conflict,
          );
        say(options, `${results.length} files uploaded`);
      }),
    );
}

function describe(result: PutResult, file: FileToPut) {
  if (result.outcome === 'unchanged') return 'already there, unchanged';
  const renamed = result.name === file.name ? '' : ` as ${result.name}`;
  const parts =
    result.outcome === 'resumed' ? `, ${result.partsSent} of ${result.partCount} parts sent now` : '';
  return `uploaded${renamed} (${formatBytes(file.size)}${parts})`;
}

/** The remote folders of one run, made once and listed once. */
class RemoteFolders {
  private readonly made = new Map<string, Promise<RemoteNode>>();
  private readonly listings = new Map<string, Promise<Map<string, RemoteNode>>>();
  private readonly target: RemoteNode;
  constructor(target: RemoteNode) {
    this.target = target;
  }

  folder(names: string[]): Promise<RemoteNode> {
    if (names.length === 0) return Promise.resolve(this.target);
    const key = names.join('/');
    let made = this.made.get(key);
    if (made === undefined) {
      made = this.folder(names.slice(0, -1)).then((parent) =>
        ensureFolder(parent.id, names.at(-1) as string),
      );
      this.made.set(key, made);
    }
    return made;
  }

  async child(folder: RemoteNode, name: string): Promise<RemoteNode | undefined> {
    let listing = this.listings.get(folder.id);
    if (listing === undefined) {
      listing = (async () => {
        const byName = new Map<string, RemoteNode>();
        for await (const child of childrenOf(folder.id)) byName.set(child.name.toLowerCase(), child);
        return byName;
      })();
      this.listings.set(folder.id, listing);
    }
    return (await listing).get(name.normalize('NFC').toLowerCase());
  }
}
