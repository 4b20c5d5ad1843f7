import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { connect, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { projectField } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import type { OutboundEvent } from '../events/status-event';
import { STATUS_CALLBACK_HEADER } from '../events/status-event.publisher';
import { retryDelayMs } from '../queue/sms-topology';
import { EventDeliveryMetrics } from './event-delivery-metrics';
import { eventProject, reaches } from './event-scope';
import { WebhookDeliveryLog } from './webhook-delivery-log';
import { WebhookEndpointRecord } from './webhook-endpoint.schema';
import { activeSecrets, WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookSender } from './webhook-sender';
import { deadQueueName, declareWebhookTopology, retryQueueName } from './webhook-topology';

/** Headers of a delivery for one target (a retry or a replay); an event from the exchange has none and goes to all. */
export const TARGET_HEADER = 'x-notifyx-target';
export const ATTEMPT_HEADER = 'x-notifyx-attempt';
/** The target name of a message's own statusCallback URL. */
export const CALLBACK_TARGET = 'callback';

function readEvent(content: Buffer): OutboundEvent | undefined {
  try {
    const event = JSON.parse(content.toString('utf8')) as OutboundEvent;
    return typeof event?.id === 'string' && typeof event.type === 'string' && typeof event.data === 'object' && event.data !== null ? event : undefined;
  } catch {
    return undefined;
  }
}

interface Target {
  id: string;
  url: string;
  secrets: string[];
  endpoint?: WebhookEndpointRecord;
}

/**
 * Delivers the events in the webhook queue: an event from the exchange to every enabled endpoint
 * of its project (src/webhook-endpoints/event-scope.ts) subscribed to its type and to its message's
 * statusCallback; a retry or replay to its one target.
 * A failure is copied to the delay queue of its attempt (confirmed) before the event is acked, so
 * a crash repeats a delivery (same `webhook-id`) and never loses one.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private connection?: AmqpConnectionManager;
  private channel?: ChannelWrapper;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly sender: WebhookSender,
    private readonly log: WebhookDeliveryLog,
    private readonly metrics: EventDeliveryMetrics,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const settings = this.config.webhooks;
    this.connection = connect(this.config.rabbit.urls);
    this.channel = this.connection.createChannel({
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        await declareWebhookTopology(channel, this.config.events.exchange, settings, this.config.rabbit);
        await channel.prefetch(settings.prefetch);
        await channel.consume(settings.queue, (message) => message && this.track(this.handle(channel, message)));
      },
    });
    // As in StatusEventPublisher: a setup cut short by a close is an 'error' event, said and not thrown.
    this.channel.on('error', (err: Error) => this.logger.warn({ err: String(err) }, 'webhooks: channel setup failed; retried on reconnect'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.channel?.close().catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    await this.connection?.close();
  }

  private track(run: Promise<void>): void {
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private async handle(channel: ConfirmChannel, message: ConsumeMessage): Promise<void> {
    const event = readEvent(message.content);
    if (!event) return this.park(channel, message, 'not an event: a JSON object with id, type and data');
    try {
      const headers = message.properties.headers ?? {};
      const attempt = Number(headers[ATTEMPT_HEADER] ?? 1);
      const targets = await this.targetsOf(event, headers);
      await Promise.all(targets.map((target) => this.deliver(channel, target, event, message.content, attempt, headers)));
      channel.ack(message);
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'webhook delivery interrupted; the event is handed back');
      setTimeout(() => {
        try {
          channel.nack(message, false, true);
        } catch {
          // The channel is gone: the broker hands the event out again.
        }
      }, 1000).unref();
    }
  }

  /** Anyone may publish to the exchange: what is not an event goes to `<queue>.dead` with the reason, once. */
  private async park(channel: ConfirmChannel, message: ConsumeMessage, reason: string): Promise<void> {
    const dead = deadQueueName(this.config.webhooks);
    this.logger.warn({ reason, routingKey: message.fields.routingKey }, 'unreadable message parked');
    await new Promise<void>((resolve) => channel.sendToQueue(dead, message.content, {
      persistent: true, headers: { ...message.properties.headers, 'x-notifyx-reason': reason },
    }, () => resolve()));
    channel.ack(message);
  }

  private async targetsOf(event: OutboundEvent, headers: Record<string, unknown>): Promise<Target[]> {
    const named = headers[TARGET_HEADER] as string | undefined;
    const callback = headers[STATUS_CALLBACK_HEADER] as string | undefined;
    const callbackTarget = callback ? [{ id: CALLBACK_TARGET, url: callback, secrets: [this.config.webhooks.callbackSecret] }] : [];
    if (named === CALLBACK_TARGET) return callbackTarget;
    const endpoints = (await this.endpoints.endpoints()).filter((endpoint) => endpoint.enabled && reaches(endpoint, event));
    const toTarget = (endpoint: WebhookEndpointRecord) => ({ id: endpoint.id, url: endpoint.url, secrets: activeSecrets(endpoint), endpoint });
    if (named) return endpoints.filter((endpoint) => endpoint.id === named).map(toTarget);
    return [...endpoints.filter((endpoint) => endpoint.eventTypes.includes(event.type)).map(toTarget), ...callbackTarget];
  }

  private async deliver(channel: ConfirmChannel, target: Target, event: OutboundEvent, body: Buffer, attempt: number, headers: Record<string, unknown>): Promise<void> {
    const at = new Date();
    const result = await this.sender.send(target.url, target.secrets, event, body.toString('utf8'));
    const settings = this.config.webhooks;
    const disabled = !result.ok && target.endpoint ? await this.endpoints.markFailed(target.endpoint, at) : false;
    if (result.ok && target.endpoint) await this.endpoints.markSucceeded(target.endpoint);
    const retry = !result.ok && !disabled && attempt < settings.maxAttempts;
    const delayMs = retry ? retryDelayMs(attempt, { baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs }) : 0;
    if (retry) await this.scheduleRetry(channel, target, body, attempt, delayMs, headers);
    this.metrics.attempted(target.id, result.ok ? 'success' : retry ? 'retry' : 'gave_up', result.latencyMs);
    this.log.add({
      endpointId: target.id, eventId: event.id, eventType: event.type, messageId: typeof event.data.messageId === 'string' ? event.data.messageId : undefined, attempt, at, url: target.url,
      ok: result.ok, statusCode: result.statusCode, latencyMs: result.latencyMs, error: disabled ? `${result.error ?? `HTTP ${result.statusCode}`}; endpoint disabled` : result.error,
      responseExcerpt: result.responseExcerpt, nextAttemptAt: retry ? new Date(at.getTime() + delayMs) : undefined, ...projectField(eventProject(event)),
    });
  }

  private scheduleRetry(channel: ConfirmChannel, target: Target, body: Buffer, attempt: number, delayMs: number, headers: Record<string, unknown>): Promise<void> {
    const queue = retryQueueName(this.config.webhooks, attempt);
    const retryHeaders = { ...headers, [TARGET_HEADER]: target.id, [ATTEMPT_HEADER]: attempt + 1 };
    return new Promise((resolve, reject) => {
      channel.sendToQueue(queue, body, { persistent: true, contentType: 'application/json', expiration: String(delayMs), headers: retryHeaders },
        (error?: unknown) => (error ? reject(new Error(`retry not confirmed: ${String(error)}`)) : resolve()));
    });
  }

  /** Replays: each event to one endpoint, as a first attempt, through the queue. Resolves once the broker has them all. */
  async enqueue(endpointId: string, events: OutboundEvent[]): Promise<number> {
    const headers = { [TARGET_HEADER]: endpointId, [ATTEMPT_HEADER]: 1 };
    await Promise.all(events.map((event) => this.channel!.sendToQueue(this.config.webhooks.queue, Buffer.from(JSON.stringify(event)), {
      persistent: true, contentType: 'application/json', messageId: event.id, headers,
    })));
    return events.length;
  }
}
