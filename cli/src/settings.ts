import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { notSignedIn } from './errors.ts';

/** Where the command keeps what it knows: the signed-in server, and uploads to resume. */
export function configDir(): string {
  const base = process.env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
  return path.join(base, 'fileshare');
}

const configFile = () => path.join(configDir(), 'config.json');

/** A server and the credential the command signs its requests with. */
export interface Account {
  url: string;
  token: string;
  username: string;
  /** What `logout` revokes: the kind of credential and its id on the server. */
  credential: { kind: 'session' | 'app-password'; id?: string };
}

export async function readAccount(): Promise<Account | null> {
  try {
    return JSON.parse(await readFile(configFile(), 'utf8')) as Account;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * The account to use: FILESHARE_URL with FILESHARE_TOKEN when both are set (no file needed),
 * else the saved one.
 */
export async function currentAccount(): Promise<Account> {
  const { FILESHARE_URL: url, FILESHARE_TOKEN: token } = process.env;
  if (url && token)
    return { url: normaliseUrl(url), token, username: '', credential: { kind: kindOf(token) } };
  const saved = await readAccount();
  if (saved === null) throw notSignedIn();
  return saved;
}

/** An app password is six groups of five letters and digits; anything else is taken for a session token. */
const kindOf = (token: string) =>
  /^[a-z0-9]{5}(-[a-z0-9]{5}){5}$/i.test(token) ? 'app-password' : 'session';

/** Saved readable by its owner only: it holds a credential. */
export async function saveAccount(account: Account) {
  await mkdir(configDir(), { recursive: true, mode: 0o700 });
  await writeFile(configFile(), `${JSON.stringify(account, null, 2)}\n`, { mode: 0o600 });
  await chmod(configFile(), 0o600);
}

export async function forgetAccount() {
  await rm(configFile(), { force: true });
}

/** `https://host/` and `https://host` are the same server; the API is under /api/v1 of it. */
export function normaliseUrl(url: string): string {
  const parsed = new URL(url);
  return parsed.toString().replace(/\/+$/, '');
}
