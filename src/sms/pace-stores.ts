import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

/** After a 20429 a sender runs at half speed, then back to full speed linearly over this time. */
export const SLOWDOWN_RECOVERY_MS = 30_000;

/**
 * Hands out send slots one interval apart (1/MPS seconds), each to exactly one caller: the caller
 * learns how long to wait for its slot, which is a reservation, not a retry. That spacing is what
 * Twilio's own queue does. A caller that reaches its slot late (a busy process) would crowd the
 * next ones, so the cap is also kept on the times sends actually go (`admit`, a sliding window).
 * `intervalUs` is the full-speed spacing; the store stretches it after a 20429.
 */
export interface PaceStore {
  /** Microseconds until the reserved slot. */
  reserve(sender: string, intervalUs: number): Promise<number>;
  /**
   * The cap itself, on the times sends actually go: 0 when fewer than `limit` sends were admitted
   * in the last `windowUs` (this one is then recorded), else the microseconds until one leaves.
   */
  admit(sender: string, windowUs: number, limit: number): Promise<number>;
  slowDown(sender: string): Promise<void>;
}

/** 2× the interval (half the rate) right after a 20429, back to 1× after SLOWDOWN_RECOVERY_MS. */
export function slowdownFactor(sinceSlowdownUs: number | undefined): number {
  if (sinceSlowdownUs === undefined || sinceSlowdownUs < 0) return 1;
  return 1 + Math.max(0, 1 - sinceSlowdownUs / (SLOWDOWN_RECOVERY_MS * 1000));
}

/** One process's schedule: used without REDIS_URL, and while Redis is unreachable. */
export class MemoryPaceStore implements PaceStore {
  private readonly nextFree = new Map<string, number>();
  private readonly slowedAt = new Map<string, number>();
  private readonly admitted = new Map<string, number[]>();

  constructor(private readonly nowUs: () => number = () => Math.round(performance.timeOrigin * 1000 + performance.now() * 1000)) {}

  reserve(sender: string, intervalUs: number): Promise<number> {
    const now = this.nowUs();
    const slowed = this.slowedAt.get(sender);
    const interval = intervalUs * slowdownFactor(slowed === undefined ? undefined : now - slowed);
    const slot = Math.max(now, this.nextFree.get(sender) ?? 0);
    this.nextFree.set(sender, slot + interval);
    return Promise.resolve(slot - now);
  }

  admit(sender: string, windowUs: number, limit: number): Promise<number> {
    const now = this.nowUs();
    const admitted = (this.admitted.get(sender) ?? []).filter((at) => at > now - windowUs);
    this.admitted.set(sender, admitted);
    if (admitted.length < limit) {
      admitted.push(now);
      return Promise.resolve(0);
    }
    return Promise.resolve(Math.max(1, admitted[0] + windowUs - now));
  }

  slowDown(sender: string): Promise<void> {
    this.slowedAt.set(sender, this.nowUs());
    return Promise.resolve();
  }
}

/**
 * The same schedule in Redis, so every worker shares one pace per sender. Redis's own clock
 * (TIME) decides, so workers on machines whose clocks differ still agree on the slots.
 * KEYS[1]: the next free slot (µs); KEYS[2]: when the last 20429 came (µs).
 */
const RESERVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local slowed = tonumber(redis.call('GET', KEYS[2]) or '')
if slowed then interval = interval * (1 + math.max(0, 1 - (now - slowed) / tonumber(ARGV[2]))) end
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local nextFree = slot + interval
redis.call('SET', KEYS[1], string.format('%.0f', nextFree), 'PX', math.ceil((nextFree - now) / 1000) + 1000)
return math.floor(slot - now)
`;

/** KEYS[1]: the sends admitted in the window, scored by when (µs); ARGV: window (µs), limit, a unique member. */
const ADMIT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, math.floor(tonumber(oldest[2]) + window - now))
`;

const SLOWDOWN_SCRIPT = `
local t = redis.call('TIME')
redis.call('SET', KEYS[1], string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2])), 'PX', ARGV[1])
`;

export type PaceRedis = Redis & {
  paceReserve(next: string, slowed: string, intervalUs: number, recoveryUs: number): Promise<number>;
  paceSlowDown(slowed: string, recoveryMs: number): Promise<unknown>;
  paceAdmit(admitted: string, windowUs: number, limit: number, member: string): Promise<number>;
};

export class RedisPaceStore implements PaceStore {
  constructor(
    private readonly redis: PaceRedis,
    private readonly keyPrefix: string,
  ) {
    redis.defineCommand('paceReserve', { numberOfKeys: 2, lua: RESERVE_SCRIPT });
    redis.defineCommand('paceSlowDown', { numberOfKeys: 1, lua: SLOWDOWN_SCRIPT });
    redis.defineCommand('paceAdmit', { numberOfKeys: 1, lua: ADMIT_SCRIPT });
  }

  admit(sender: string, windowUs: number, limit: number): Promise<number> {
    return this.redis.paceAdmit(`${this.key(sender)}:admitted`, windowUs, limit, randomUUID());
  }

  reserve(sender: string, intervalUs: number): Promise<number> {
    const key = this.key(sender);
    return this.redis.paceReserve(key, `${key}:slowed`, intervalUs, SLOWDOWN_RECOVERY_MS * 1000);
  }

  async slowDown(sender: string): Promise<void> {
    await this.redis.paceSlowDown(`${this.key(sender)}:slowed`, SLOWDOWN_RECOVERY_MS);
  }

  private key(sender: string): string {
    return `${this.keyPrefix}pace:${sender}`;
  }
}

