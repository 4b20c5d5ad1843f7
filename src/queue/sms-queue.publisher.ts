import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ClientProxy, RmqRecord, RmqRecordBuilder } from '@nestjs/microservices';
import { inspect } from 'node:util';
import { lastValueFrom, timeout } from 'rxjs';
import { SendSmsCommand, SmsPattern } from './sms-commands';

export const SMS_QUEUE_CLIENT = 'SMS_QUEUE_CLIENT';
const PUBLISH_CONFIRM_TIMEOUT_MS = 2000;

export class BrokerUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`RabbitMQ did not confirm the publish: ${cause instanceof Error ? cause.message : inspect(cause)}`);
    this.name = 'BrokerUnavailableError';
  }
}

/**
 * The request id and the trace context ride in headers, where the worker's logs and the amqplib
 * instrumentation pick them up without reading the body. The trace context is written here, in
 * the publisher's context, not by the instrumentation when amqp-connection-manager gets round to
 * the write (see src/tracing/given-context-first.ts); without tracing there is none.
 */
function asRecord(command: SendSmsCommand): SendSmsCommand | RmqRecord<SendSmsCommand> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  if (command.requestId) headers['x-request-id'] = command.requestId;
  if (Object.keys(headers).length === 0) return { ...command };
  return new RmqRecordBuilder({ ...command }).setOptions({ headers }).build();
}

const tracer = trace.getTracer('notifyx');

/** Publishes send commands; resolves only once the broker has confirmed them. */
@Injectable()
export class SmsQueuePublisher implements OnApplicationShutdown {
  constructor(@Inject(SMS_QUEUE_CLIENT) private readonly client: ClientProxy) {}

  /**
   * `timeoutMs`: how long to wait for the broker's confirm. Short on a request's path (a 202
   * should not wait on a broker that is away), long for background publishing under load.
   */
  async publishSend(command: SendSmsCommand, timeoutMs = PUBLISH_CONFIRM_TIMEOUT_MS): Promise<void> {
    // One span from the publish to the broker's confirm; the worker's spans are its children.
    await tracer.startActiveSpan(`${SmsPattern.Send} publish`, { kind: SpanKind.PRODUCER }, async (span) => {
      try {
        await this.emitConfirmed(command, timeoutMs);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private async emitConfirmed(command: SendSmsCommand, timeoutMs: number): Promise<void> {
    try {
      // While the broker is away amqp-connection-manager buffers publishes instead of failing them:
      // bound the wait, so the API answers and the outbox relay takes over.
      await lastValueFrom(this.client.emit(SmsPattern.Send, asRecord(command)).pipe(timeout(timeoutMs)), { defaultValue: undefined });
    } catch (error) {
      // ClientRMQ rejects with a bare string while the broker is down: normalise it.
      throw new BrokerUnavailableError(error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
