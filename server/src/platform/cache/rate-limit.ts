import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config, RateLimitPolicy } from '../../config.ts';
import { AppError } from '../../shared/errors.ts';

export interface RateLimiter {
  /**
   * Counts one attempt, atomically, before the work it guards; throws 429 (with Retry-After)
   * once the key is over its limit. Counting first is what keeps parallel attempts from all
   * passing a check that none of them has been counted against yet.
   */
  consume(key: string): Promise<void>;
  /** Gives back the attempt `consume` counted (it turned out to be legitimate). */
  refund(key: string): Promise<void>;
  /** Forgets every attempt counted against the key. */
  reset(key: string): Promise<void>;
  /**
   * Takes `points` from the key's allowance, or nothing when it hasn't that many left; then
   * answers how long until the window restarts (milliseconds), to say when to try again.
   */
  spend(key: string, points: number): Promise<{ spent: boolean; msBeforeNext: number }>;
}

export type RateLimiters = Record<keyof Config['rateLimits'], RateLimiter>;

function tooManyRequests(msBeforeNext: number): AppError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError(429, 'rate_limited', `Too many attempts. Try again in ${seconds} seconds.`, {
    'retry-after': String(seconds),
  });
}

function wrap(limiter: RateLimiterMemory | RateLimiterRedis): RateLimiter {
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw tooManyRequests(error.msBeforeNext);
        throw error;
      }
    },
    async refund(key) {
      await limiter.reward(key, 1);
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
 * Limiters shared by every API instance through Redis when there is one (its counters are
 * incremented atomically, so instances can't race each other past a limit), with an in-process
 * limiter standing in while Redis is unreachable; in-process only in the embedded topology.
 */
export function createRateLimiters(
  config: Pick<Config, 'rateLimits' | 'redisKeyPrefix'>,
  redis: Redis | undefined,
): RateLimiters {
  const make = (name: string, policy: RateLimitPolicy) => {
    const options = {
      points: policy.points,
      duration: policy.durationSeconds,
      keyPrefix: `${config.redisKeyPrefix}rl:${name}`,
    };
    const memory = new RateLimiterMemory(options);
    return wrap(
      redis === undefined
        ? memory
        : new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory }),
    );
  };
  const limits = config.rateLimits;
  return {
    loginPerAddress: make('login-address', limits.loginPerAddress),
    loginPerAccount: make('login-account', limits.loginPerAccount),
    loginPerAccountAndAddress: make('login-account-address', limits.loginPerAccountAndAddress),
    passwordChangePerAccount: make('password-change-account', limits.passwordChangePerAccount),
    registrationPerAddress: make('registration-address', limits.registrationPerAddress),
    sharePasswordPerLinkAndAddress: make('share-password-address', limits.sharePasswordPerLinkAndAddress),
    sharePasswordPerLink: make('share-password-link', limits.sharePasswordPerLink),
    basicAuthPerAccountAndAddress: make('basic-auth-account-address', limits.basicAuthPerAccountAndAddress),
    basicAuthPerAddress: make('basic-auth-address', limits.basicAuthPerAddress),
    inflatePerUser: make('inflate-user', limits.inflatePerUser),
  };
}

/**
 * Counts one attempt against each limiter in turn; when one refuses, the attempt is given back
 * to those that had counted it, so a refused attempt costs nothing anywhere.
 */
export async function consumeEach(attempts: [RateLimiter, string][]): Promise<void> {
  const counted: [RateLimiter, string][] = [];
  try {
    for (const [limiter, key] of attempts) {
      await limiter.consume(key);
      counted.push([limiter, key]);
    }
  } catch (error) {
    await Promise.all(counted.map(([limiter, key]) => limiter.refund(key)));
    throw error;
  }
}
