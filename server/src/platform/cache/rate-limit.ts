import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../../config.ts';
import { AppError } from '../../shared/errors.ts';

export interface RateLimitPolicy {
  points: number;
  durationSeconds: number;
}

export interface RateLimiter {
  /** Counts one attempt; throws 429 (with Retry-After) once the key is over its limit. */
  consume(key: string): Promise<void>;
  /** Throws 429 if the key is already over its limit, without counting. */
  assertAllowed(key: string): Promise<void>;
  reset(key: string): Promise<void>;
  /**
   * Takes `points` from the key's allowance, or nothing when it hasn't that many left; then
   * answers how long until the window restarts (milliseconds), to say when to try again.
   */
  spend(key: string, points: number): Promise<{ spent: boolean; msBeforeNext: number }>;
}

export interface RateLimiters {
  loginPerAccount: RateLimiter;
  loginPerAddress: RateLimiter;
  inflatePerUser: RateLimiter;
}

function tooManyRequests(msBeforeNext: number): AppError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError(429, 'rate_limited', `Too many attempts. Try again in ${seconds} seconds.`, {
    'retry-after': String(seconds),
  });
}

function wrap(limiter: RateLimiterMemory | RateLimiterRedis, points: number): RateLimiter {
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw tooManyRequests(error.msBeforeNext);
        throw error;
      }
    },
    async assertAllowed(key) {
      const state = await limiter.get(key);
      if (state !== null && state.consumedPoints >= points) throw tooManyRequests(state.msBeforeNext);
    },
    async reset(key) {
      await limiter.delete(key);
    },
    async spend(key, spent) {
      try {
        const state = await limiter.consume(key, spent);
        return { spent: true, msBeforeNext: state.msBeforeNext };
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        // Counted before it was refused; given back, so that asking too much costs nothing.
        await limiter.reward(key, spent);
        return { spent: false, msBeforeNext: error.msBeforeNext };
      }
    },
  };
}

/**
 * Limiters shared by every API instance through Redis when there is one, with an in-process
 * limiter standing in while Redis is unreachable; in-process only in the embedded topology.
 */
export function createRateLimiters(
  config: Pick<Config, 'loginLimits' | 'redisKeyPrefix' | 'inflateBytesPerHour'>,
  redis: Redis | undefined,
): RateLimiters {
  const keyPrefix = config.redisKeyPrefix;
  const make = (name: string, policy: RateLimitPolicy) => {
    const options = {
      points: policy.points,
      duration: policy.durationSeconds,
      keyPrefix: `${keyPrefix}rl:${name}`,
    };
    const memory = new RateLimiterMemory(options);
    const limiter =
      redis === undefined
        ? memory
        : new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory });
    return wrap(limiter, policy.points);
  };
  return {
    loginPerAccount: make('login-account', config.loginLimits.perAccount),
    loginPerAddress: make('login-address', config.loginLimits.perAddress),
    inflatePerUser: make('inflate-user', { points: config.inflateBytesPerHour, durationSeconds: 3600 }),
  };
}
