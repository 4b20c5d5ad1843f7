import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AppConfig } from '../config/app-config';
import type { AuditEvent } from '../audit/audit.service';
import { AcceptedStore } from '../messages/accepted-store';
import { BatchOrigin, BatchPartsRepository, StagedPart } from './batch-parts';
import { BatchesRepository } from './batches.repository';
import { CommandDispatcher } from '../outbox/command-dispatcher';

/** Publishes of one part in flight at once: enough to fill the confirm pipeline. */
const PUBLISH_PARALLEL = 200;
/** Left-behind parts taken up per sweep. */
const SWEEP_PARTS = 20;

/** The batch's acceptance entry, recorded with each of its parts' messages: its id is the batch's, so it is stored once. */
function batchAcceptanceOf(origin: BatchOrigin): AuditEvent[] {
  if (origin.accepted === undefined) return [];
  const { batchId, createdBy, requestId, projectId, accepted, rejected } = origin;
  return [{ id: batchId, actor: createdBy, requestId, projectId, action: AuditAction.BatchAccepted, details: { batchId, accepted, rejected } }];
}

/**
 * Writes out the parts of accepted bulk sends as messages, one part after another: stored as a
 * single send's are (AcceptedStore), then the part is deleted and its commands published. Every
 * step may be repeated, so a part written out halfway (the process stopped, the store went away,
 * even after its messages: its audit entries not written) is kept and simply written out again:
 * what was stored is kept (same ids).
 *
 * The parts a request staged are written out in this process right after its answer; a sweep takes
 * up those left behind. A part whose batch was never stored belongs to a failed request: dropped.
 */
@Injectable()
export class BatchExpander implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(BatchExpander.name);
  private readonly queue: { part: StagedPart; repeat: boolean }[] = [];
  private draining?: Promise<void>;
  private sweeping = false;
  private stopping = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly parts: BatchPartsRepository,
    private readonly batches: BatchesRepository,
    private readonly store: AcceptedStore,
    private readonly dispatcher: CommandDispatcher,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // A part is only taken up BULK_RESUME_AFTER_MS after acceptance: looking a few times in that span is enough.
    const everyMs = Math.max(this.config.outboxRelayIntervalMs, this.config.bulkResumeAfterMs / 4);
    this.timer = setInterval(() => void this.sweep(), everyMs);
    this.timer.unref();
  }

  /** The first shutdown hook: no part is started after it. */
  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.stopping = true;
  }

  /** The part being written out is finished (the store is still open); the ones queued behind it stay stored. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.draining;
  }

  /** Queues the parts of a batch just accepted, to be written out after those already queued. */
  enqueue(parts: StagedPart[], options: { repeat?: boolean } = {}): void {
    this.queue.push(...parts.map((part) => ({ part, repeat: options.repeat ?? false })));
    if (this.queue.length > 0) this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Takes up parts left behind; resolves once they are written out. Returns how many it took up. */
  async sweep(): Promise<number> {
    // While this process is writing parts out, anything old is queued here or another instance's.
    if (this.sweeping || this.draining || this.stopping) return 0;
    this.sweeping = true;
    try {
      // Still stored this long after acceptance: left behind by a process that stopped, or by a failed write.
      const waiting = await this.parts.waiting(new Date(Date.now() - this.config.bulkResumeAfterMs), SWEEP_PARTS);
      const stored = new Map<string, boolean>();
      const accepted: StagedPart[] = [];
      for (const part of waiting) {
        const { batchId } = part.origin;
        if (!stored.has(batchId)) stored.set(batchId, (await this.batches.findById(batchId)) !== null);
        if (stored.get(batchId)) accepted.push(part);
        else await this.dropUnaccepted(part);
      }
      if (accepted.length > 0) this.logger.log({ parts: accepted.length }, 'writing out bulk-send parts left behind');
      this.enqueue(accepted, { repeat: true });
      await this.draining;
      return accepted.length;
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'bulk-send sweep paused; will try again');
      return 0;
    } finally {
      this.sweeping = false;
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopping) {
      const { part, repeat } = this.queue.shift()!;
      try {
        await this.expand(part, repeat);
      } catch (error) {
        this.logger.warn({ err: String(error), batchId: part.origin.batchId, part: part.id },
          'a bulk-send part was not written out; the sweep will take it up');
      }
    }
  }

  private async expand({ id, origin, messages }: StagedPart, repeat: boolean): Promise<void> {
    // Scheduled ones (a sendAt, or quiet hours in their recipient's zone) are published by the relay when due.
    const { owed, audited } = await this.store.store(messages.map((message) => ({
      message,
      // The entry's id is the message's: written again, it is still one entry.
      event: {
        id: message.id, actor: origin.createdBy, requestId: origin.requestId, projectId: origin.projectId, action: AuditAction.MessageAccepted,
        messageId: message.id, details: { batchId: origin.batchId, segments: message.segments },
      },
    })), origin.acceptedAt, { repeat, alsoRecord: batchAcceptanceOf(origin) });
    // The messages are stored and go out through the relay; the part stays until their acceptance is on record.
    if (!audited) throw new Error('audit entries not written');
    await this.parts.remove(id);
    // Once shutting down, the commands stay owed: the outbox relay publishes them after the restart.
    const due = owed.filter((_, index) => !messages[index].sendAt);
    if (due.length > 0 && !this.stopping) void this.dispatcher.publish(due, { parallel: PUBLISH_PARALLEL, background: true });
  }

  private async dropUnaccepted(part: StagedPart): Promise<void> {
    await this.parts.remove(part.id);
    this.logger.warn({ batchId: part.origin.batchId, part: part.id, messages: part.messages.length },
      'dropped a bulk-send part whose request never stored its batch');
  }
}
