import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type DriverSet, startServer, type TestServer } from './harness.ts';

export interface RequestOptions {
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  token?: string | null;
}

/** A thin HTTP client for the tests: real requests over a socket, as any client would send them. */
export class Api {
  readonly origin: string;
  token: string | undefined;

  constructor(origin: string, token?: string) {
    this.origin = origin;
    this.token = token;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.token : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    return fetch(`${this.origin}/api/v1${path}`, { method, headers, body, duplex: 'half' } as RequestInit);
  }

  /** The parsed JSON body, after checking the status. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely; assertions check the shape.
  async expect<T = any>(status: number, method: string, path: string, options?: RequestOptions): Promise<T> {
    const response = await this.request(method, path, options);
    const text = await response.text();
    if (response.status !== status) {
      throw new Error(`${method} ${path}: expected ${status}, got ${response.status}: ${text}`);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  upload(folderId: string, name: string, body: BodyInit, query = '', headers: Record<string, string> = {}) {
    return this.request('PUT', `/folders/${folderId}/files/${encodeURIComponent(name)}${query}`, {
      body,
      headers,
    });
  }
}

export interface SignedUp {
  api: Api;
  token: string;
  user: { id: string; username: string; isAdmin: boolean };
}

export async function signUp(
  server: TestServer,
  username: string,
  password = 'correct horse battery',
): Promise<SignedUp> {
  const api = new Api(server.origin);
  const { token, user } = await api.expect(201, 'POST', '/auth/register', { json: { username, password } });
  api.token = token;
  return { api, token, user };
}

/** Registers through `origin` (a server or a proxy) as a browser would; returns the session cookie. */
export async function signUpForCookie(origin: string, username: string, password = 'cookie password') {
  const response = await fetch(`${origin}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 201) throw new Error(`register: ${response.status} ${await response.text()}`);
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { setCookie, cookie: setCookie.split(';')[0] ?? '' };
}

let counter = 0;
/** A username no other test in this process uses. */
export function uniqueName(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}${Math.random().toString(36).slice(2, 6)}`;
}

/** Counts the blobs in the store, to prove that nothing was left behind. */
export async function countBlobs(server: TestServer): Promise<number> {
  let count = 0;
  for await (const _ of server.deps.blobs.list('blobs/')) count += 1;
  return count;
}

/**
 * A server on `set` with one signed-up user, for the tests of a describe block: started before
 * them, closed after. Read its fields inside the tests.
 */
export function serverWithOneUser(set: DriverSet): { server: TestServer; api: Api } {
  const context = {} as { server: TestServer; api: Api };
  beforeAll(async () => {
    context.server = await startServer(set);
    context.api = (await signUp(context.server, uniqueName())).api;
  });
  afterAll(() => context.server.close());
  return context;
}

/** A stand-in for the built web client in `dir`: an index page and one hashed asset. */
export async function writeWebClient(dir: string, script = 'console.log("app")') {
  await mkdir(path.join(dir, 'assets'), { recursive: true });
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Fileshare</title>');
  await writeFile(path.join(dir, 'assets', 'app-1234.js'), script);
}
