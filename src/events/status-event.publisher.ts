import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { connect, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import type { AuditEntry } from '../audit/audit-entry.schema';
import { AuditService, FencedEvent } from '../audit/audit.service';
import { projectField } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { MessagesRepository } from '../messages/messages.repository';
import { contextOf, OutboundEvent, outboundOf, PendingEntry } from './status-event';

/** Events per publish batch: one settle write each. */
const BATCH = 200;
/** Beyond this many waiting in memory (the broker is away), the relay publishes the rest from the store. */
const MAX_BUFFERED = 10_000;
const CONFIRM_TIMEOUT_MS = 10_000;

export const STATUS_CALLBACK_HEADER = 'x-notifyx-status-callback';

export function pendingEntryOf(entry: AuditEntry | FencedEvent, at: Date): PendingEntry {
  const { fence, projectId, messageId, seq, change, event, eventBucket } = entry;
  return { fence: fence!, at, ...projectField(projectId), messageId, seq, change, event, ...(eventBucket ? { eventBucket } : {}) };
}

/**
 * Publishes events to the `notifyx.events` topic exchange (routing key `message.<status>`, or the
 * event's type for the others: `message.received`, `opt_out.changed`),
 * persistent and broker-confirmed, then clears their entries' pending flag in one write per batch.
 * Each change this process wins is handed here at once and goes out within EVENTS_BATCH_LINGER_MS;
 * one batch is in flight at a time, so a burst of changes costs a few writes, not one per event.
 * An event not confirmed stays pending in the store: the relay publishes it later (same id).
 */
@Injectable()
export class StatusEventPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StatusEventPublisher.name);
  private connection?: AmqpConnectionManager;
  private channel?: ChannelWrapper;
  private buffer: PendingEntry[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** Fences of the events this process holds (buffered or being published): its relay leaves them alone. */
  private readonly holding = new Set<string>();
  private closed = false;
  private readonly listeners: ((event: OutboundEvent) => void)[] = [];

  constructor(
    private readonly audit: AuditService,
    private readonly messages: MessagesRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const { exchange } = this.config.events;
    this.connection = connect(this.config.rabbit.urls);
    this.connection.on('connectFailed', ({ err }) => this.logger.warn({ err: String(err) }, 'events: broker unreachable; events stay pending'));
    this.channel = this.connection.createChannel({
      confirm: true,
      setup: (channel: ConfirmChannel) => channel.assertExchange(exchange, 'topic', { durable: true }),
    });
    // A setup cut short (the app closed while it was connecting) is said here, not thrown: amqp-connection-manager
    // emits it as an 'error' event, which would end the process unheard. Events not published stay pending.
    this.channel.on('error', (err: Error) => this.logger.warn({ err: String(err) }, 'events: channel setup failed; events stay pending'));
    this.audit.onChange((entry, at) => this.enqueue(pendingEntryOf(entry, at)));
  }

  holds(fence: string): boolean {
    return this.holding.has(fence);
  }

  /** Told of each event this process published (metrics). */
  onPublished(listener: (event: OutboundEvent) => void): void {
    this.listeners.push(listener);
  }

  enqueue(entry: PendingEntry): void {
    // Closing, or the broker away long enough to fill the buffer: the relay publishes these from the store.
    if (this.closed || this.buffer.length >= MAX_BUFFERED) return;
    this.buffer.push(entry);
    this.holding.add(entry.fence);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.flushing || this.buffer.length === 0) return;
    this.timer = setTimeout(() => this.flush(), this.config.events.batchLingerMs);
    // The connection keeps a live process up; a stopping one must not wait out a long linger.
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.buffer.splice(0, BATCH);
    this.flushing = this.publishAndSettle(batch)
      .finally(() => batch.forEach((entry) => this.holding.delete(entry.fence)))
      .then(() => undefined, (error: unknown) => this.logger.warn({ err: String(error), events: batch.length }, 'events left to the relay'))
      .finally(() => {
        this.flushing = undefined;
        this.schedule();
      });
  }

  /** Publishes these entries' events, confirmed, and settles those the broker took. Returns how many it published. */
  async publishAndSettle(entries: PendingEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const complete = await this.completed(entries);
    const results = await Promise.allSettled(complete.map((entry) => {
      const { event, statusCallback } = outboundOf(entry);
      return this.publish(event, statusCallback);
    }));
    const published = complete.filter((_entry, index) => results[index].status === 'fulfilled');
    await this.audit.settleEvents(published.map(({ fence, eventBucket }) => ({ fence, eventBucket })));
    if (published.length < complete.length) throw new Error(`${complete.length - published.length} events not confirmed by the broker`);
    return published.length;
  }

  /** `statusCallback`: the message's own URL, for the webhook dispatcher; a header, not part of the event. */
  private async publish(event: OutboundEvent, statusCallback?: string): Promise<void> {
    const { exchange } = this.config.events;
    await this.channel!.publish(exchange, event.type, Buffer.from(JSON.stringify(event)), {
      persistent: true, contentType: 'application/json', messageId: event.id, type: event.type,
      ...(statusCallback ? { headers: { [STATUS_CALLBACK_HEADER]: statusCallback } } : {}),
      timestamp: Math.floor(Date.parse(event.timestamp) / 1000), timeout: CONFIRM_TIMEOUT_MS,
    });
    for (const listener of this.listeners) listener(event);
  }

  /** The rare entry whose writer did not hold the message's context (a command from before it existed): read it. */
  async completed(entries: PendingEntry[]): Promise<PendingEntry[]> {
    const completed: PendingEntry[] = [];
    for (const entry of entries) {
      if (!entry.change || entry.event?.known !== false) completed.push(entry);
      else {
        const message = await this.messages.findById(entry.messageId!);
        completed.push({ ...entry, event: message ? { ...contextOf(message) } : {} });
      }
    }
    return completed;
  }

  /** What is buffered goes out before the connection closes; what cannot is left to the relay. */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    if (this.buffer.length > 0) await this.publishAndSettle(this.buffer.splice(0)).catch(() => undefined);
    await this.connection?.close();
  }
}
