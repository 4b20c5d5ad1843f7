import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../config/app-config';
import { LaneScheduler } from '../lanes/lane-scheduler';
import type { Priority } from '../lanes/priority';
import { MemoryPaceStore, PaceRedis, PaceStore, RedisPaceStore, SLOWDOWN_RECOVERY_MS } from './pace-stores';

/** Twilio's "Too Many Requests": the account or sender is over its rate. */
export const TWILIO_TOO_MANY_REQUESTS = 20429;

/**
 * Slots 1/MPS apart are where sends should go; what keeps every second within the cap is the
 * sliding window each send is admitted through right before Twilio is called: at most MPS sends
 * in any 1 s + this margin. The margin covers what lies between admission and Twilio (the reply
 * from Redis, the SDK's request; 20 ms let 2 of 1,000 sends into a second above the cap on this
 * busy machine): 97 % of the cap at most. A caller that reaches its slot late waits only as long
 * as the window says, so a busy process loses no slot (with slots alone, each late caller took a
 * fresh one: 80 % of the cap here).
 */
const WINDOW_MARGIN_MS = 30;

/**
 * How long before its slot a caller prepares its send (the claim: one store write, a few ms, tens
 * under load), so that write is not between the slot and Twilio.
 */
const PREPARE_LEAD_MS = 150;

/**
 * How far ahead this worker reserves slots for one sender: enough for each send to be prepared
 * PREPARE_LEAD_MS before its slot with time to spare, and no more, as a `high` command accepted
 * now waits behind these reservations (lane order decides who reserves next: LaneScheduler).
 */
const RESERVE_AHEAD_MS = 2 * PREPARE_LEAD_MS;

/** How long a starting worker waits for Redis before it paces alone. */
const READY_WAIT_MS = 5000;

/**
 * Keeps sends at or under TWILIO_MAX_MPS per sender (the from number, or the messaging service),
 * across every worker when REDIS_URL is set. Twilio queues what comes faster and answers 20429
 * when its queue is full; pacing here keeps its queue empty, so status times stay honest.
 * While Redis is unreachable each worker paces alone (the cap then holds per worker).
 */
@Injectable()
export class SendPacer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SendPacer.name);
  private readonly intervalUs: number;
  /** The window sends are admitted through: 1 s (longer for caps under 1 a second), and how many it holds. */
  private readonly window: { us: number; limit: number };
  private readonly local = new MemoryPaceStore();
  private readonly redis?: PaceRedis;
  private readonly shared?: RedisPaceStore;
  /** Per sender: who reserves the next slot, by lane. */
  private readonly lanes = new Map<string, LaneScheduler>();
  private readonly reservedAhead: number;
  private degraded = false;

  constructor(private readonly config: AppConfig) {
    const { maxMps } = config.pace;
    this.intervalUs = maxMps > 0 ? 1_000_000 / maxMps : 0;
    const windowUs = Math.max(1_000_000, this.intervalUs);
    this.window = { us: windowUs + WINDOW_MARGIN_MS * 1000, limit: Math.max(1, Math.floor((maxMps * windowUs) / 1_000_000)) };
    this.reservedAhead = Math.max(1, Math.ceil((maxMps * RESERVE_AHEAD_MS) / 1000));
    const { url, keyPrefix } = config.redis;
    if (!url || this.intervalUs === 0) return;
    this.redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000 }) as PaceRedis;
    this.redis.on('error', (error: Error) => this.markDegraded(error));
    this.shared = new RedisPaceStore(this.redis, keyPrefix);
  }

  /** Waits until Redis is ready: the first sends after a start must already share the pace. */
  async onModuleInit(): Promise<void> {
    if (!this.redis) return;
    try {
      const ready = once(this.redis, 'ready');
      await this.redis.connect();
      if (this.redis.status !== 'ready') await Promise.race([ready, sleep(READY_WAIT_MS)]);
    } catch (error) {
      this.markDegraded(error);
    }
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }

  /**
   * Resolves when this caller may send from `from` (null: the configured default sender), with what
   * `prepare` (the work right before the send, run once, PREPARE_LEAD_MS before the slot) resolved;
   * null from `prepare` gives the slot up. At the slot the send is admitted through the window, and
   * waits there if the sends before it went late and close together.
   *
   * Callers reserve their slot in lane order (`priority`), at most RESERVE_AHEAD_MS of slots ahead
   * per sender: every lane goes through the same slots and window, so the cap holds across lanes.
   */
  async waitForSlot<T = true>(from: string | null, prepare?: () => Promise<T | null>, priority: Priority = 'normal'): Promise<T | null> {
    const ready = prepare ?? (() => Promise.resolve(true as T));
    if (this.intervalUs === 0) return ready();
    const sender = this.senderOf(from);
    const lanes = this.lanesOf(sender);
    const release = await lanes.turn(priority);
    try {
      return await this.atSlot(sender, ready);
    } finally {
      release();
      // Nobody holds or waits for a place: forget it, so many senders used once do not pile up.
      if (lanes.state.held === 0) this.lanes.delete(sender);
    }
  }

  private async atSlot<T>(sender: string, ready: () => Promise<T | null>): Promise<T | null> {
    // Sleeping from the reply never goes early: the slot falls between asking + wait and reply + wait.
    const waitMs = (await this.withStore((store) => store.reserve(sender, this.intervalUs))) / 1000;
    const slotAt = performance.now() + waitMs;
    await sleepUntil(slotAt - PREPARE_LEAD_MS);
    const prepared = await ready();
    if (prepared === null) return null;
    await sleepUntil(slotAt);
    for (;;) {
      const waitUs = await this.withStore((store) => store.admit(sender, this.window.us, this.window.limit));
      if (waitUs === 0) return prepared;
      await sleep(Math.max(1, Math.ceil(waitUs / 1000)));
    }
  }

  /** Twilio answered 20429 for this sender: halve its pace, recovering over SLOWDOWN_RECOVERY_MS. */
  async slowDown(from: string | null): Promise<void> {
    if (this.intervalUs === 0) return;
    this.logger.warn({ sender: this.senderOf(from), recoveryMs: SLOWDOWN_RECOVERY_MS }, 'Twilio answered 20429: sending at half pace');
    await this.withStore((store) => store.slowDown(this.senderOf(from)));
  }

  private lanesOf(sender: string): LaneScheduler {
    let lanes = this.lanes.get(sender);
    if (!lanes) this.lanes.set(sender, (lanes = new LaneScheduler(this.reservedAhead)));
    return lanes;
  }

  /** Mirrors TwilioProvider's choice of sender: Twilio counts MPS per number or messaging service. */
  private senderOf(from: string | null): string {
    const { messagingServiceSid, phoneNumber } = this.config.twilio;
    // `||`, as the provider reads them: an empty variable is no sender.
    return from || messagingServiceSid || phoneNumber || 'default';
  }

  private async withStore<T>(use: (store: PaceStore) => Promise<T>): Promise<T> {
    if (this.shared && this.redis?.status === 'ready') {
      try {
        const result = await use(this.shared);
        this.markHealthy();
        return result;
      } catch (error) {
        this.markDegraded(error);
      }
    }
    return use(this.local);
  }

  private markDegraded(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn({ err: error }, 'Redis is unreachable: each worker paces its sends alone until it is back');
  }

  private markHealthy(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.logger.log('Redis is back: workers share one send pace again');
  }
}

/** Sleeps until `at` (performance.now() time); returns at once when it has passed. */
async function sleepUntil(at: number): Promise<void> {
  const ms = at - performance.now();
  if (ms >= 1) await sleep(Math.ceil(ms));
}
