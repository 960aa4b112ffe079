/**
 * The second reference of the transfer benchmark: a bare Node HTTP server (bare-node-server.ts),
 * on the API's Node, serving and accepting files in a directory of the run. What the API costs
 * above it is the product's own; what it costs above nginx is Node's.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../tools/processes.ts';
import { serverNode } from './api-server.ts';
import { BenchError, track, waitFor } from './processes.ts';

/** Starts the bare server with its files in `<dir>/www` and its output in `<dir>/bare-node.log`. */
export async function startBareNode(dir: string) {
  const www = path.join(dir, 'www');
  mkdirSync(www, { recursive: true });
  const port = await freePort();
  const logFile = path.join(dir, 'bare-node.log');
  const log = openSync(logFile, 'w');
  const script = path.join(import.meta.dirname, 'bare-node-server.ts');
  const child = track(
    spawn(serverNode(), [script, www, String(port)], { stdio: ['ignore', log, log], detached: true }),
    true,
  );
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/ready`, child, 'the bare Node server', logFile);
  if (child.pid === undefined) throw new BenchError('the bare Node server has no pid');
  return { child, pid: child.pid, url, www };
}
