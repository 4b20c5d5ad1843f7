import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../config/app-config';
import { MemoryPaceStore, PaceRedis, PaceStore, RedisPaceStore, SLOWDOWN_RECOVERY_MS } from './pace-stores';

/** Twilio's "Too Many Requests": the account or sender is over its rate. */
export const TWILIO_TOO_MANY_REQUESTS = 20429;

/**
 * Slots exactly 1/MPS apart would put MPS+1 sends into some second as soon as one arrives a little
 * later than the send a second after it. Spacing them (1 s + this) / MPS apart keeps every second
 * within the cap for sends up to this much later than their slot than the one MPS slots on: 48.5 a
 * second at a cap of 50. The work before the send (the claim, a store write) is done ahead of the
 * slot (PREPARE_LEAD_MS), so what is left between a slot and Twilio is the wake-up and the request.
 */
const ARRIVAL_JITTER_MS = 30;

/**
 * Waking later than this after its slot means the process stalled: the slot is gone. Kept under
 * ARRIVAL_JITTER_MS, so a send's own lateness leaves room for the network's.
 */
const STALL_MS = 25;

/**
 * How long before its slot a caller prepares its send (the claim: one store write, a few ms, tens
 * under load). Measured from the slot, so a caller whose preparation takes longer arrives late and
 * takes a fresh slot rather than crowd the next ones.
 */
const PREPARE_LEAD_MS = 150;

/** Slots a stalled caller may miss before it sends anyway (it must not starve). */
const MAX_SLOT_ATTEMPTS = 3;

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
  private readonly local = new MemoryPaceStore();
  private readonly redis?: PaceRedis;
  private readonly shared?: RedisPaceStore;
  private degraded = false;

  constructor(private readonly config: AppConfig) {
    const { maxMps } = config.pace;
    this.intervalUs = maxMps > 0 ? (1_000_000 + ARRIVAL_JITTER_MS * 1000) / maxMps : 0;
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
   * null from `prepare` gives the slot up. A caller that wakes well after its slot (the process
   * stalled) takes a fresh slot rather than send late on top of the next ones: a missed slot is
   * lost, never made up in a burst.
   */
  async waitForSlot<T = true>(from: string | null, prepare?: () => Promise<T | null>): Promise<T | null> {
    const ready = prepare ?? (() => Promise.resolve(true as T));
    if (this.intervalUs === 0) return ready();
    const sender = this.senderOf(from);
    let prepared: T | null | undefined;
    for (let attempt = 1; ; attempt += 1) {
      // The slot falls between asking + wait and reply + wait: sleeping from the reply never goes
      // early, and lateness counted from the asking makes a slow reply count as lateness too.
      const asked = performance.now();
      const waitMs = (await this.withStore((store) => store.reserve(sender, this.intervalUs))) / 1000;
      const wakeAt = performance.now() + waitMs;
      if (prepared === undefined) {
        await sleepUntil(wakeAt - PREPARE_LEAD_MS);
        prepared = await ready();
        if (prepared === null) return null;
      }
      await sleepUntil(wakeAt);
      if (performance.now() - (asked + waitMs) <= STALL_MS || attempt === MAX_SLOT_ATTEMPTS) return prepared;
    }
  }

  /** Twilio answered 20429 for this sender: halve its pace, recovering over SLOWDOWN_RECOVERY_MS. */
  async slowDown(from: string | null): Promise<void> {
    if (this.intervalUs === 0) return;
    this.logger.warn({ sender: this.senderOf(from), recoveryMs: SLOWDOWN_RECOVERY_MS }, 'Twilio answered 20429: sending at half pace');
    await this.withStore((store) => store.slowDown(this.senderOf(from)));
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
