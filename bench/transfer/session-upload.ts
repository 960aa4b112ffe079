/**
 * The resumable upload: `POST /uploads`, every part by one `curl --parallel` process to the URL the
 * session gives it, then `POST /uploads/<id>/complete`; timed from the first request to the last
 * answer, with each of the three steps (and the server's CPU in them) on its own.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { type ApiHandle, type ApiNode, apiJson, partSizeFor } from '../support/api-server.ts';
import { CURL_OPTIONS } from '../support/curl.ts';
import type { TestFile } from '../support/files.ts';
import { BenchError, run } from '../support/processes.ts';
import { median } from '../support/report.ts';

interface UploadSession {
  id: string;
  partSize: number;
  partCount: number;
  partsNeedCredentials: boolean;
  parts: { number: number; size: number; url: string }[];
}

/** The three steps of a session upload, timed separately (seconds). */
export interface SessionPhases {
  createSeconds: number;
  partsSeconds: number;
  completeSeconds: number;
  partSize: number;
  partCount: number;
  parallel: number;
  partsNeedCredentials: boolean;
  /** The API server's CPU time (user + system, all threads) during the parts and during completion. */
  partsServerCpuSeconds: number;
  completeServerCpuSeconds: number;
  /** The slowest and the median part, as curl timed them. */
  slowestPartSeconds: number;
  medianPartSeconds: number;
}

/**
 * Files cut into the parts of a session layout, as files of their own, so that curl can send each
 * part with -T (it cannot send a byte range of a file). Cut before the timed uploads, not during them.
 */
interface PartLayout {
  partSize: number;
  /** Each part's file, size and SHA-256 (hex), in order. */
  parts: { file: string; size: number; sha256: string }[];
}
/** By the path of the file cut. */
const layouts = new Map<string, PartLayout>();

function cutIntoParts(file: string, size: number, partSize: number, dir: string) {
  const partsDir = path.join(dir, `parts-${path.basename(file)}-${partSize}`);
  mkdirSync(partsDir, { recursive: true });
  const buffer = Buffer.allocUnsafe(partSize);
  const parts: PartLayout['parts'] = [];
  const fd = openSync(file, 'r');
  try {
    for (let offset = 0, number = 1; offset < size; offset += partSize, number++) {
      const length = Math.min(partSize, size - offset);
      for (let got = 0; got < length; ) {
        const n = readSync(fd, buffer, got, length - got, offset + got);
        if (n === 0) throw new BenchError(`${file} is shorter than ${size} bytes`);
        got += n;
      }
      const part = buffer.subarray(0, length);
      const partFile = path.join(partsDir, String(number));
      writeFileSync(partFile, part);
      parts.push({ file: partFile, size: length, sha256: createHash('sha256').update(part).digest('hex') });
    }
  } finally {
    closeSync(fd);
  }
  layouts.set(file, { partSize, parts });
}

/** Learns the part layout the server gives a file of `size` bytes and cuts `file` into it. Not timed. */
export async function prepareParts(api: ApiHandle, file: string, size: number, dir: string) {
  cutIntoParts(file, size, await partSizeFor(api, size), dir);
}

const curlConfigValue = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * Sends every part with one curl process, `parallel` transfers at a time (HTTP/1.1, connections
 * reused), each part file to its URL; checks every part's status (`status`) and size. Each part's
 * answer is left in `<outDir>/<number>`.
 */
async function curlParts(
  session: Pick<UploadSession, 'parts'>,
  files: string[],
  headers: string[],
  parallel: number,
  dir: string,
  what: string,
  status = '200',
) {
  const outDir = path.join(dir, 'part-responses');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const config = session.parts
    .map((part) => {
      const file = files[part.number - 1];
      if (file === undefined) throw new BenchError(`${what}: no part file for part ${part.number}`);
      return [
        `upload-file = ${curlConfigValue(file)}`,
        `output = ${curlConfigValue(path.join(outDir, String(part.number)))}`,
        `url = ${curlConfigValue(part.url)}`,
        '',
      ].join('\n');
    })
    .join('');
  const configFile = path.join(dir, 'parts.curlrc');
  writeFileSync(configFile, config);
  const args = [...CURL_OPTIONS, '--parallel', '--parallel-max', String(parallel), '-H', 'Expect:'];
  for (const header of headers) args.push('-H', header);
  args.push('-w', '%{http_code} %{size_upload} %{time_total} %{filename_effective}\\n', '-K', configFile);
  const result = await run('curl', args);
  if (result.code !== 0) throw new BenchError(`${what}: curl exited ${result.code}: ${result.stderr.trim()}`);
  const seen = new Map<number, number>();
  for (const line of result.stdout.trim().split('\n')) {
    const [answered, bytes, seconds, output = ''] = line.trim().split(' ');
    const number = Number(path.basename(output));
    const part = session.parts.find((p) => p.number === number);
    if (part === undefined) throw new BenchError(`${what}: unexpected curl output "${line}"`);
    if (answered !== status) {
      const body = existsSync(output) ? readFileSync(output, 'utf8') : '';
      throw new BenchError(`${what}: part ${number} answered ${answered}: ${body.slice(0, 500)}`);
    }
    if (Number(bytes) !== part.size) {
      throw new BenchError(`${what}: part ${number} sent ${bytes} bytes, expected ${part.size}`);
    }
    seen.set(number, Number(seconds));
  }
  if (seen.size !== session.parts.length) {
    throw new BenchError(`${what}: curl reported ${seen.size} of ${session.parts.length} parts`);
  }
  const times = [...seen.values()];
  return { slowest: Math.max(...times), median: median(times), outDir };
}

/**
 * One upload of `file` through a session (its parts cut by prepareParts). When the server saw the
 * bytes (parts through the API, or a SHA-256 declared), the SHA-256 it recorded must be the file's;
 * parts sent straight to the store leave it none.
 */
export async function sessionUpload(
  api: ApiHandle,
  file: TestFile,
  name: string,
  dir: string,
  what: string,
  options: { parallel: number; declareSha256?: boolean; serverCpu: () => number },
) {
  const cpu = options.serverCpu;
  const t0 = performance.now();
  const session = await apiJson<UploadSession>(api, 'POST', '/uploads', 201, {
    parentId: 'root',
    name,
    size: file.size,
    onConflict: 'replace',
    ...(options.declareSha256 ? { sha256: file.sha256 } : {}),
  });
  const t1 = performance.now();
  const cpu1 = cpu();
  const layout = layouts.get(file.path);
  const files = layout?.parts.map((part) => part.file) ?? [];
  if (layout?.partSize !== session.partSize || files.length !== session.partCount) {
    throw new BenchError(`${what}: ${file.path} was not cut for this layout (${session.partSize} B parts)`);
  }
  // Presigned store URLs take no Authorization header; the API's part URLs need the token.
  const headers = session.partsNeedCredentials ? [`Authorization: Bearer ${api.token}`] : [];
  const partTimes = await curlParts(session, files, headers, options.parallel, dir, what);
  const t2 = performance.now();
  const cpu2 = cpu();
  // 201 for a new file, 200 when it replaced one.
  const node = await apiJson<ApiNode>(api, 'POST', `/uploads/${session.id}/complete`, [200, 201]);
  const t3 = performance.now();
  const cpu3 = cpu();
  if (typeof node.id !== 'string')
    throw new BenchError(`${what}: completing answered ${JSON.stringify(node)}`);
  if (node.size !== file.size)
    throw new BenchError(`${what}: the API recorded ${node.size} bytes, sent ${file.size}`);
  const expected = session.partsNeedCredentials || options.declareSha256 ? file.sha256 : null;
  if (node.sha256 !== expected) {
    throw new BenchError(`${what}: the API recorded SHA-256 ${node.sha256}, expected ${expected}`);
  }
  const seconds = (ms: number) => Number((ms / 1000).toFixed(3));
  const phases: SessionPhases = {
    createSeconds: seconds(t1 - t0),
    partsSeconds: seconds(t2 - t1),
    completeSeconds: seconds(t3 - t2),
    partSize: session.partSize,
    partCount: session.partCount,
    parallel: options.parallel,
    partsNeedCredentials: session.partsNeedCredentials,
    partsServerCpuSeconds: Number((cpu2 - cpu1).toFixed(2)),
    completeServerCpuSeconds: Number((cpu3 - cpu2).toFixed(2)),
    slowestPartSeconds: Number(partTimes.slowest.toFixed(3)),
    medianPartSeconds: Number(partTimes.median.toFixed(3)),
  };
  return { bytes: file.size, seconds: (t3 - t0) / 1000, id: node.id, node, phases };
}

/**
 * The floor for the session's parts: the same part files, `parallel` at a time by the same curl, to
 * the bare Node server, each into a file of its own (`<name>.<number>`), hashed as it passes and
 * flushed before its answer. What it leaves out is what a session adds: the digest of the whole
 * file (which takes its parts in order), the session's checks and records.
 */
export async function bareNodeParts(
  node: { url: string },
  file: TestFile,
  name: string,
  dir: string,
  what: string,
  parallel: number,
) {
  const layout = layouts.get(file.path);
  if (layout === undefined) throw new BenchError(`${what}: ${file.path} was not cut into parts`);
  const parts = layout.parts.map((part, i) => ({
    ...part,
    number: i + 1,
    url: `${node.url}/${name}.${i + 1}`,
  }));
  const started = performance.now();
  const { outDir } = await curlParts(
    { parts },
    layout.parts.map((part) => part.file),
    [],
    parallel,
    dir,
    what,
    '201',
  );
  const seconds = (performance.now() - started) / 1000;
  // What the server stored of each part, as it answered: its size and SHA-256.
  for (const part of parts) {
    const stored = JSON.parse(readFileSync(path.join(outDir, String(part.number)), 'utf8')) as {
      size?: number;
      sha256?: string;
    };
    if (stored.size !== part.size || stored.sha256 !== part.sha256)
      throw new BenchError(
        `${what}: the bare Node server stored part ${part.number} as ${JSON.stringify(stored)}`,
      );
  }
  return { bytes: file.size, seconds, id: name };
}
