/**
 * curl, the one client of the transfer benchmark and the browser benchmark's reference: the same
 * program and options for every side, timed by curl's own `time_total`.
 */
import { readFile } from 'node:fs/promises';
import type { ApiHandle, ApiNode } from './api-server.ts';
import type { TestFile } from './files.ts';
import { BenchError, type RunResult, run, version } from './processes.ts';

export const CURL_OPTIONS = ['--silent', '--show-error', '--http1.1', '--noproxy', '*'];

/** Stops with the command that installs curl, when it is missing. */
export async function requireCurl() {
  if ((await version('curl', ['--version'])) === 'unknown') {
    console.error(
      'curl is not installed. Install it with:\n\n    apt-get update && apt-get install -y curl\n',
    );
    process.exit(1);
  }
}

function parseCurl(result: RunResult, what: string) {
  if (result.code !== 0) throw new BenchError(`${what}: curl exited ${result.code}: ${result.stderr.trim()}`);
  const [status, bytes, seconds] = result.stdout.trim().split(' ').map(Number);
  if (status === undefined || bytes === undefined || seconds === undefined || !(seconds > 0)) {
    throw new BenchError(`${what}: unexpected curl output "${result.stdout}"`);
  }
  return { status, bytes, seconds };
}

/** `curl -T file`: the status, the bytes sent and the seconds; the answer's body goes to `responseFile`. */
export async function curlUpload(
  url: string,
  file: string,
  headers: string[],
  responseFile: string,
  what: string,
) {
  const args = [...CURL_OPTIONS, '--fail', '-T', file, '-H', 'Expect:', '-o', responseFile];
  for (const header of headers) args.push('-H', header);
  args.push('-w', '%{http_code} %{size_upload} %{time_total}', url);
  return parseCurl(await run('curl', args), what);
}

/** `curl -o /dev/null`: the status, the bytes received and the seconds. */
export async function curlDownload(url: string, headers: string[], what: string) {
  const args = [...CURL_OPTIONS, '--fail', '-o', '/dev/null'];
  for (const header of headers) args.push('-H', header);
  args.push('-w', '%{http_code} %{size_download} %{time_total}', url);
  return parseCurl(await run('curl', args), what);
}

/**
 * The simple upload: `PUT /folders/root/files/<name>?onConflict=replace`, the file as the body.
 * Checks the status, and the size and SHA-256 the API recorded.
 */
export async function curlSimpleUpload(
  api: ApiHandle,
  file: TestFile,
  name: string,
  responseFile: string,
  what: string,
) {
  const url = `${api.url}/folders/root/files/${encodeURIComponent(name)}?onConflict=replace`;
  const result = await curlUpload(url, file.path, [`Authorization: Bearer ${api.token}`], responseFile, what);
  const node = JSON.parse(await readFile(responseFile, 'utf8')) as ApiNode;
  if ((result.status !== 200 && result.status !== 201) || typeof node.id !== 'string') {
    throw new BenchError(`${what}: the API answered ${result.status}: ${JSON.stringify(node)}`);
  }
  if (node.size !== file.size) {
    throw new BenchError(`${what}: the API stored ${node.size} bytes, sent ${file.size}`);
  }
  if (node.sha256 !== file.sha256) {
    throw new BenchError(`${what}: the API's SHA-256 ${node.sha256} is not the file's ${file.sha256}`);
  }
  return { ...result, id: node.id, node };
}
