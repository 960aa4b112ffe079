/**
 * Ceph's RADOS Gateway as a real S3 server for the tests and the local cluster: a throw-away Ceph
 * cluster of one monitor and one storage daemon keeping objects in memory, everything on
 * 127.0.0.1 and under one temporary directory, no cephx inside it (S3 signatures are checked all
 * the same). Unlike an emulator it checks SigV4 signatures and presigned URLs, Content-MD5 and the
 * minimum part size as AWS does.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
} from '@aws-sdk/client-s3';
import { createS3Client } from '../server/src/platform/blobs/s3.blob-store.ts';
import { findProgram, freePort, hasExited, stopProcess, waitUntil } from './processes.ts';

const run = promisify(execFile);

const PROGRAMS = ['monmaptool', 'ceph', 'ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin'];
export const RGW_PACKAGES = 'ceph-mon ceph-osd radosgw ceph-common';
export const RGW_MISSING = `Ceph's RADOS Gateway is not installed (the S3 server these tests run against). Install it with:

    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${RGW_PACKAGES}`;

/** Where an S3 client reaches the gateway; no bucket. */
export interface S3Endpoint {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Rgw extends S3Endpoint {
  dir: string;
  stop(): Promise<void>;
}

export interface RgwOptions {
  /** Parts smaller than this (but the last) are refused when completing; AWS's 5 MiB by default. */
  minPartSize?: number;
  /** Most bytes kept in memory. */
  capacityBytes?: number;
}

function config(o: {
  dir: string;
  fsid: string;
  monPort: number;
  osdPorts: [number, number];
  rgwPort: number;
  minPartSize: number;
  capacityBytes: number;
}): string {
  return `[global]
fsid = ${o.fsid}
mon host = v2:127.0.0.1:${o.monPort}
public addr = 127.0.0.1
ms bind ipv4 = true
ms bind ipv6 = false
ms bind msgr1 = false
ms bind port min = ${o.osdPorts[0]}
ms bind port max = ${o.osdPorts[1]}
auth cluster required = none
auth service required = none
auth client required = none
# without cephx, connections to the monitor can't be "secure"
ms mon client mode = crc
ms mon service mode = crc
ms mon cluster mode = crc
keyring = /dev/null
run dir = ${o.dir}/run
log file = ${o.dir}/log/$name.log
mon cluster log file = ${o.dir}/log/cluster.log
crash dir = ${o.dir}/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail warn = 1
mon data avail crit = 0
osd objectstore = memstore
memstore device bytes = ${o.capacityBytes}

[mon]
mon data = ${o.dir}/mon.$id
# every pool the gateway creates is a new map, proposed once a second by default
paxos propose interval = 0.05
paxos min wait = 0.01

[osd]
osd data = ${o.dir}/osd.$id
osd memory target = 536870912

[client]
rgw frontends = beast endpoint=127.0.0.1:${o.rgwPort}
rgw enable apis = s3, admin
rgw thread pool size = 64
rgw multipart min part size = ${o.minPartSize}
# deleted objects give their memory back soon, not after hours
rgw gc obj min wait = 0
rgw gc processor period = 30
`;
}

/** Starts the gateway and its cluster on free ports; `stop` ends them and deletes their files. */
export async function startRgw(options: RgwOptions = {}): Promise<Rgw> {
  const found = new Map(PROGRAMS.map((name) => [name, findProgram(name)]));
  const missing = PROGRAMS.filter((name) => found.get(name) === undefined);
  if (missing.length > 0) throw new Error(`${RGW_MISSING}\n\n(missing: ${missing.join(', ')})`);
  const program = (name: string) => found.get(name) ?? name;

  const dir = await mkdtemp(path.join(os.tmpdir(), 'fileshare-rgw-'));
  for (const sub of ['log', 'run', 'mon.a', 'osd.0']) await mkdir(path.join(dir, sub));
  const conf = path.join(dir, 'ceph.conf');
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  // The storage daemon binds a few ports from a range, taking whichever are free; below the
  // kernel's ephemeral range, so that freePort's answers don't land in it.
  const osdBase = 20_000 + Math.floor(Math.random() * 12_000);
  const fsid = randomUUID();
  await writeFile(
    conf,
    config({
      dir,
      fsid,
      monPort,
      osdPorts: [osdBase, osdBase + 63],
      rgwPort,
      minPartSize: options.minPartSize ?? 5 * 1024 * 1024,
      capacityBytes: options.capacityBytes ?? 8 * 1024 ** 3,
    }),
  );

  const daemons: ChildProcess[] = [];
  const killAll = () => {
    for (const child of daemons) if (!hasExited(child)) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  const daemon = (name: string, command: string, args: string[]) => {
    const out = createWriteStream(path.join(dir, 'log', `${name}.out`));
    const child = spawn(program(command), ['-c', conf, ...args, '-f'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    daemons.push(child);
    return child;
  };
  const ceph = (...args: string[]) => run(program('ceph'), ['-c', conf, '--connect-timeout', '30', ...args]);
  const stop = async () => {
    process.off('exit', killAll);
    // The gateway first, the monitor last: each goes while the ones it talks to are still there.
    for (const child of [...daemons].reverse()) await stopProcess(child, 'SIGTERM', 5_000);
    await rm(dir, { recursive: true, force: true });
  };

  /** Runs one stage of the start; when it fails, stops what started and tells what the daemon said. */
  const step = async <T>(what: string, daemonName: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      const said = await readFile(path.join(dir, 'log', `${daemonName}.out`), 'utf8').catch(() => '');
      const tail = said.trim().split('\n').slice(-20).join('\n');
      await stop();
      throw new Error(`Starting the RADOS Gateway: ${what} failed: ${(error as Error).message}\n${tail}`);
    }
  };

  await step('the monitor', 'mon.a', async () => {
    await run(program('monmaptool'), [
      '--create',
      '--fsid',
      fsid,
      '--addv',
      'a',
      `[v2:127.0.0.1:${monPort}]`,
      path.join(dir, 'monmap'),
    ]);
    await run(program('ceph-mon'), ['-c', conf, '-i', 'a', '--mkfs', '--monmap', path.join(dir, 'monmap')]);
    daemon('mon.a', 'ceph-mon', ['-i', 'a']);
  });
  await step('the storage daemon', 'osd.0', async () => {
    const osdUuid = randomUUID();
    const { stdout } = await ceph('osd', 'new', osdUuid);
    if (stdout.trim() !== '0') throw new Error(`unexpected OSD id ${stdout.trim()}`);
    await run(program('ceph-osd'), ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid]);
    daemon('osd.0', 'ceph-osd', ['-i', '0']);
  });
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  // The gateway waits for the storage daemon by itself while it creates its pools.
  await step('the gateway', 'rgw', async () => {
    const gateway = daemon('rgw', 'radosgw', ['-n', 'client.rgw']);
    await waitUntil(`RADOS Gateway on ${endpoint}`, async () => (await fetch(endpoint)).ok, {
      timeoutMs: 120_000,
      child: gateway,
    });
  });
  const accessKeyId = randomBytes(10).toString('hex').toUpperCase();
  const secretAccessKey = randomBytes(20).toString('hex');
  await step('the S3 user', 'rgw', () =>
    run(program('radosgw-admin'), [
      '-c',
      conf,
      'user',
      'create',
      '--uid=fileshare',
      '--display-name=fileshare',
      `--access-key=${accessKeyId}`,
      `--secret-key=${secretAccessKey}`,
    ]),
  );
  return { dir, endpoint, region: 'us-east-1', accessKeyId, secretAccessKey, stop };
}

/**
 * A bucket of its own for one test file (or one cluster). `corsOrigin` lets pages from that origin
 * PUT parts to presigned URLs, the rule docs/deploy.md asks of a production bucket.
 */
export async function createBucket(
  s3: S3Endpoint,
  name: string,
  { corsOrigin }: { corsOrigin?: string } = {},
): Promise<{ remove(): Promise<void> }> {
  const client = createS3Client({ ...s3, bucket: name, forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: name }));
  if (corsOrigin !== undefined) {
    await client.send(
      new PutBucketCorsCommand({
        Bucket: name,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: [corsOrigin],
              AllowedMethods: ['PUT', 'GET', 'HEAD'],
              AllowedHeaders: ['content-type', 'content-md5', 'x-amz-*'],
              ExposeHeaders: ['ETag'],
              MaxAgeSeconds: 3600,
            },
          ],
        },
      }),
    );
  }
  return {
    async remove() {
      // Emptied first (objects and unfinished uploads): S3 deletes only empty buckets.
      for (;;) {
        const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: name }));
        for (const upload of uploads.Uploads ?? [])
          await client.send(
            new AbortMultipartUploadCommand({ Bucket: name, Key: upload.Key, UploadId: upload.UploadId }),
          );
        const objects = await client.send(new ListObjectsV2Command({ Bucket: name }));
        const keys = (objects.Contents ?? []).map((object) => ({ Key: object.Key }));
        if (keys.length > 0)
          await client.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: keys } }));
        if (keys.length === 0 && (uploads.Uploads ?? []).length === 0) break;
      }
      await client.send(new DeleteBucketCommand({ Bucket: name }));
      client.destroy();
    },
  };
}
