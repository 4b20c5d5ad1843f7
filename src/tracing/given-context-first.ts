import type { Context, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';

const TRACEPARENT = 'traceparent';

/**
 * Leaves a carrier that already holds a `traceparent` as it is, and otherwise injects as usual.
 *
 * Why: a send command's headers get their trace context where the command is published
 * (SmsQueuePublisher, in the request's context). amqp-connection-manager may hand the message to
 * amqplib later, from another callback (a batch in flight, a full socket, a reconnect), and the
 * amqplib instrumentation injects whatever context is active *then*, which can be another
 * request's. Keeping the context the publisher wrote ties the worker's spans to the request that
 * accepted the message, and a producer's own `traceparent` survives the worker's republishes.
 */
export class GivenContextFirst implements TextMapPropagator {
  constructor(private readonly inner: TextMapPropagator) {}

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (hasTraceparent(carrier)) return;
    this.inner.inject(context, carrier, setter);
  }

  extract: TextMapPropagator['extract'] = (context, carrier, getter) => this.inner.extract(context, carrier, getter);

  fields(): string[] {
    return this.inner.fields();
  }
}

function hasTraceparent(carrier: unknown): boolean {
  if (typeof carrier !== 'object' || carrier === null) return false;
  const value: unknown = (carrier as Record<string, unknown>)[TRACEPARENT];
  return typeof value === 'string' || Buffer.isBuffer(value);
}
