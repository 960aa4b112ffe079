import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('configuration', () => {
  it('defaults to the embedded drivers on 127.0.0.1:8080 with data under ./data', () => {
    const config = loadConfig({ INIT_CWD: '/srv/fileshare' });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe('/srv/fileshare/data');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.s3).toBeUndefined();
    expect(config.cacheEnabled).toBe(true);
    expect(loadConfig({ CACHE_ENABLED: 'false' }).cacheEnabled).toBe(false);
    expect(config.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: '127.0.0.1,evil' })).toThrow(/^TRUST_PROXY: /);
  });

  it('serves metrics only when asked, behind a token when one is given', () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: false, token: undefined });
    expect(loadConfig({ METRICS: 'on' }).metrics).toEqual({ enabled: true, token: undefined });
    const token = 'a-long-enough-secret';
    expect(loadConfig({ METRICS_TOKEN: token }).metrics).toEqual({ enabled: true, token });
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/^METRICS_TOKEN: /);
    expect(() => loadConfig({ METRICS: 'maybe' })).toThrow(/^METRICS: /);
    expect(() => loadConfig({ METRICS: 'off', METRICS_TOKEN: token })).toThrow(/^METRICS: /);
  });

  it('reads the scaled-out drivers', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://db/fileshare',
      REDIS_URL: 'redis://cache:6379',
      S3_ENDPOINT: 'http://minio:9000',
      S3_BUCKET: 'files',
      S3_ACCESS_KEY_ID: 'key',
      S3_SECRET_ACCESS_KEY: 'secret',
      S3_FORCE_PATH_STYLE: 'true',
    });
    expect(config.databaseUrl).toBe('postgres://db/fileshare');
    expect(config.s3).toEqual({
      endpoint: 'http://minio:9000',
      bucket: 'files',
      region: 'us-east-1',
      accessKeyId: 'key',
      secretAccessKey: 'secret',
      forcePathStyle: true,
    });
  });

  it('takes accounts by invitation, with no default quota, unless told otherwise', () => {
    expect(loadConfig({}).registration).toEqual({ mode: 'invite', defaultQuotaBytes: undefined });
    expect(loadConfig({ REGISTRATION: 'Open', DEFAULT_QUOTA_BYTES: '0' }).registration).toEqual({
      mode: 'open',
      defaultQuotaBytes: 0,
    });
    expect(loadConfig({}).rateLimits.registrationPerAddress).toEqual({ points: 10, durationSeconds: 3600 });
    expect(loadConfig({}).rateLimits.loginPerAccountAndAddress.points).toBeLessThan(
      loadConfig({}).rateLimits.loginPerAccount.points,
    );
  });

  it.each([
    [{ REGISTRATION: 'everyone' }, /^REGISTRATION: .*open, invite, closed/],
    [{ DEFAULT_QUOTA_BYTES: '10 GB' }, /^DEFAULT_QUOTA_BYTES: /],
    [{ LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS: '0' }, /^LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS: /],
    [{ PORT: 'eighty' }, /^PORT: /],
    [{ PORT: '70000' }, /^PORT: /],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: .*postgres/],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL: /],
    [{ REDIS_URL: 'http://x' }, /^REDIS_URL: /],
    [{ S3_ENDPOINT: 'http://minio:9000' }, /^S3_BUCKET: /],
    [{ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k' }, /^S3_SECRET_ACCESS_KEY: /],
    [{ S3_BUCKET: 'b', S3_FORCE_PATH_STYLE: 'maybe' }, /^S3_FORCE_PATH_STYLE: /],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
  ])('stops on bad configuration %o, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
