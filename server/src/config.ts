import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The environment, parsed and validated in one place. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** The built web client, served at `/`. */
  webDir: string;
  publicUrl: string | undefined;
  /** Whose X-Forwarded-* headers to believe: nobody, anybody, or these addresses/CIDR ranges. */
  trustProxy: boolean | string[];
  logLevel: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Namespace of every key this deployment keeps in Redis, so several can share one. */
  redisKeyPrefix: string;
  /** False turns the cache off (every read goes to the database), to measure what it is worth. */
  cacheEnabled: boolean;
  s3: S3Config | undefined;
  /** `GET /metrics`: off, or on (behind a bearer token when one is given). */
  metrics: { enabled: boolean; token: string | undefined };
  sessionTtlDays: number;
  /**
   * How long the server waits, once no request is open, before giving the operating system back the
   * memory its heap freed (platform/idle-memory.ts); 0 never does.
   */
  idleMemoryReleaseMs: number;
  registration: {
    /** Who may create an account; the first account (the administrator) always may. */
    mode: RegistrationMode;
    /** The quota of every new account but the first; undefined: no limit. */
    defaultQuotaBytes: number | undefined;
  };
  uploads: {
    /** An upload session left alone this long is aborted and its parts deleted. */
    sessionTtlSeconds: number;
    /** How long a presigned part URL stays valid. */
    partUrlTtlSeconds: number;
    /** Unreferenced blobs and stray multipart uploads younger than this are left alone by the sweeper. */
    gcGraceSeconds: number;
    /** How often the sweeper runs in each instance (only one at a time does the work); 0 turns it off. */
    gcIntervalSeconds: number;
  };
  /** How many attempts each key may make per window (see platform/cache/rate-limit.ts). */
  rateLimits: {
    /** Sign-in attempts from one client address, whatever the account. */
    loginPerAddress: RateLimitPolicy;
    /** Failed sign-ins of one account from one address: what stops a guesser without locking the owner out. */
    loginPerAccountAndAddress: RateLimitPolicy;
    /** Failed sign-ins of one account from all addresses together: the ceiling for a distributed guess. */
    loginPerAccount: RateLimitPolicy;
    /** Wrong current passwords given to a password change, per account. */
    passwordChangePerAccount: RateLimitPolicy;
    /** Registration attempts from one client address. */
    registrationPerAddress: RateLimitPolicy;
    /** Password attempts on one share link from one address. */
    sharePasswordPerLinkAndAddress: RateLimitPolicy;
    /** Wrong passwords given to one share link from all addresses together (addresses that unlocked it before are exempt). */
    sharePasswordPerLink: RateLimitPolicy;
    /**
     * Failed WebDAV sign-ins (HTTP Basic) of one account from one address. Each attempt is counted
     * while it is checked, so the limit must stay above a sync client's parallel connections.
     */
    basicAuthPerAccountAndAddress: RateLimitPolicy;
    /** Failed WebDAV sign-ins from one address, whatever the account. */
    basicAuthPerAddress: RateLimitPolicy;
    /** Bytes of gzip uploads one user may have the server inflate per hour (a point is a byte). */
    inflatePerUser: RateLimitPolicy;
  };
}

export const REGISTRATION_MODES = ['open', 'invite', 'closed'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

export interface RateLimitPolicy {
  points: number;
  durationSeconds: number;
}

export interface S3Config {
  endpoint: string | undefined;
  bucket: string;
  region: string;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  forcePathStyle: boolean;
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function trustProxy(env: Env): boolean | string[] {
  const raw = optional(env, 'TRUST_PROXY');
  if (raw === undefined || !/[.:/]/.test(raw)) return boolean(env, 'TRUST_PROXY', false);
  const addresses = raw.split(',').map((entry) => entry.trim());
  for (const address of addresses) {
    if (!/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(address)) {
      throw new ConfigError('TRUST_PROXY', `must be true, false or a list of addresses, got "${address}"`);
    }
  }
  return addresses;
}

function s3(env: Env): S3Config | undefined {
  const names = [
    'S3_ENDPOINT',
    'S3_BUCKET',
    'S3_REGION',
    'S3_ACCESS_KEY_ID',
    'S3_SECRET_ACCESS_KEY',
    'S3_FORCE_PATH_STYLE',
  ];
  if (!names.some((name) => optional(env, name) !== undefined)) return undefined;
  const bucket = optional(env, 'S3_BUCKET');
  if (bucket === undefined)
    throw new ConfigError('S3_BUCKET', 'is required when any other S3_ variable is set');
  const accessKeyId = optional(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = optional(env, 'S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    const missing = accessKeyId === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY';
    throw new ConfigError(missing, 'must be set together with the other S3 credential');
  }
  return {
    endpoint: url(env, 'S3_ENDPOINT', ['http:', 'https:']),
    bucket,
    region: optional(env, 'S3_REGION') ?? 'us-east-1',
    accessKeyId,
    secretAccessKey,
    forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', false),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = optional(env, 'LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: optional(env, 'HOST') ?? '127.0.0.1',
    // npm runs workspace scripts inside the workspace; relative paths mean where the user typed the command.
    dataDir: path.resolve(env.INIT_CWD ?? process.cwd(), optional(env, 'DATA_DIR') ?? 'data'),
    webDir: path.resolve(env.INIT_CWD ?? process.cwd(), optional(env, 'WEB_DIR') ?? DEFAULT_WEB_DIR),
    publicUrl: url(env, 'PUBLIC_URL', ['http:', 'https:']),
    trustProxy: trustProxy(env),
    logLevel,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: optional(env, 'REDIS_KEY_PREFIX') ?? 'fileshare:',
    cacheEnabled: boolean(env, 'CACHE_ENABLED', true),
    s3: s3(env),
    metrics: metrics(env),
    sessionTtlDays: integer(env, 'SESSION_TTL_DAYS', 30, 1, 3650),
    idleMemoryReleaseMs: integer(env, 'IDLE_MEMORY_RELEASE_MS', 5000, 0, 3_600_000),
    registration: {
      mode: registrationMode(env),
      defaultQuotaBytes:
        optional(env, 'DEFAULT_QUOTA_BYTES') === undefined
          ? undefined
          : integer(env, 'DEFAULT_QUOTA_BYTES', 0, 0, Number.MAX_SAFE_INTEGER),
    },
    uploads: {
      sessionTtlSeconds: integer(env, 'UPLOAD_SESSION_TTL_SECONDS', 24 * 3600, 60, 30 * 86_400),
      partUrlTtlSeconds: integer(env, 'UPLOAD_PART_URL_TTL_SECONDS', 900, 60, 7 * 86_400),
      gcGraceSeconds: integer(env, 'GC_GRACE_SECONDS', 3600, 0, 30 * 86_400),
      gcIntervalSeconds: integer(env, 'GC_INTERVAL_SECONDS', 600, 0, 86_400),
    },
    rateLimits: rateLimits(env),
  };
}

function rateLimits(env: Env): Config['rateLimits'] {
  const loginWindow = integer(env, 'LOGIN_LIMIT_WINDOW_SECONDS', 900, 1, 86_400);
  const policy = (name: string, points: number, durationSeconds: number) => ({
    points: integer(env, name, points, 1, 1_000_000),
    durationSeconds,
  });
  return {
    loginPerAddress: policy('LOGIN_LIMIT_PER_ADDRESS', 50, loginWindow),
    loginPerAccountAndAddress: policy('LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS', 10, loginWindow),
    loginPerAccount: policy('LOGIN_LIMIT_PER_ACCOUNT', 100, loginWindow),
    passwordChangePerAccount: policy('PASSWORD_CHANGE_LIMIT_PER_ACCOUNT', 10, loginWindow),
    registrationPerAddress: policy(
      'REGISTRATION_LIMIT_PER_ADDRESS',
      10,
      integer(env, 'REGISTRATION_LIMIT_WINDOW_SECONDS', 3600, 1, 7 * 86_400),
    ),
    sharePasswordPerLinkAndAddress: policy(
      'SHARE_PASSWORD_LIMIT_PER_ADDRESS',
      10,
      integer(env, 'SHARE_PASSWORD_LIMIT_WINDOW_SECONDS', 900, 1, 86_400),
    ),
    sharePasswordPerLink: policy('SHARE_PASSWORD_LIMIT_PER_LINK', 100, 3600),
    basicAuthPerAccountAndAddress: policy('BASIC_AUTH_LIMIT_PER_ACCOUNT_AND_ADDRESS', 30, loginWindow),
    basicAuthPerAddress: policy('BASIC_AUTH_LIMIT_PER_ADDRESS', 100, loginWindow),
    inflatePerUser: {
      points: integer(env, 'INFLATE_LIMIT_BYTES_PER_HOUR', 64 * 1024 ** 3, 0, Number.MAX_SAFE_INTEGER),
      durationSeconds: 3600,
    },
  };
}

const METRICS_TOKEN_MIN_LENGTH = 16;

/** METRICS_TOKEN alone turns metrics on behind it; METRICS=on without a token serves them to anyone who reaches the port. */
function metrics(env: Env): Config['metrics'] {
  const token = optional(env, 'METRICS_TOKEN');
  if (token !== undefined && token.length < METRICS_TOKEN_MIN_LENGTH)
    throw new ConfigError('METRICS_TOKEN', `must be at least ${METRICS_TOKEN_MIN_LENGTH} characters long`);
  const raw = optional(env, 'METRICS')?.toLowerCase();
  if (raw !== undefined && raw !== 'on' && raw !== 'off')
    throw new ConfigError('METRICS', `must be on or off, got "${raw}"`);
  if (raw === 'off' && token !== undefined)
    throw new ConfigError('METRICS', 'is off, but METRICS_TOKEN is set; unset one of them');
  return { enabled: raw === 'on' || token !== undefined, token };
}

function registrationMode(env: Env): RegistrationMode {
  const raw = optional(env, 'REGISTRATION')?.toLowerCase() ?? 'invite';
  const mode = REGISTRATION_MODES.find((candidate) => candidate === raw);
  if (mode === undefined)
    throw new ConfigError('REGISTRATION', `must be one of ${REGISTRATION_MODES.join(', ')}, got "${raw}"`);
  return mode;
}
