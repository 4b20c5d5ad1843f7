import type { Attributes, Span } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { GivenContextFirst } from './given-context-first';
import type { Tracing } from './tracing-handle';

/** Loaded by startTracing only when an OTLP endpoint is set. */
export function startSdk(serviceName: string): Tracing {
  const sdk = new NodeSDK({
    serviceName,
    // Traces only: metrics stay Prometheus (/metrics), logs stay pino on stdout.
    metricReaders: [],
    logRecordProcessors: [],
    textMapPropagator: new GivenContextFirst(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    ),
    instrumentations: [
      new HttpInstrumentation({
        // Scrapes and probes are not part of any message's path.
        ignoreIncomingRequestHook: (request) => /^\/(health|metrics)(\/|\?|$)/.test(request.url ?? ''),
        startIncomingSpanHook: incomingUrlAttributes,
        startOutgoingSpanHook: outgoingUrlAttributes,
      }),
      new ExpressInstrumentation(),
      new AmqplibInstrumentation({ consumeHook: (span, { msg }) => tagMessageId(span, msg.content) }),
      // Background jobs (outbox relay, reconciliation) poll the store every second: only calls made
      // inside a traced request or command become spans. Values stay masked (no enhanced reporting).
      new MongoDBInstrumentation({ requireParentSpan: true }),
      // Keys name phone numbers (per-recipient counters): the command's name only.
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

const STATUS_CALLBACK = '/v1/webhooks/twilio/status';
/** Query values that name nobody; every other value (`to=`, Twilio's `To=`, a cursor) is redacted. */
const SHOWN_QUERY_VALUES = new Set(['messageId', 'attempt', 'v', 'status', 'limit', 'PageSize']);

/**
 * Query strings carry phone numbers (`GET /v1/messages?to=`, Twilio's `?To=` look-ups), which the
 * logs never show either: spans show their names only. A status callback's query names the
 * message, also kept as `notifyx.message_id` so its trace is found beside the send's: Twilio
 * calls back without any trace context, so a callback starts a trace of its own.
 */
function incomingUrlAttributes(request: IncomingMessage): Attributes {
  const [path, query] = splitQuery(request.url ?? '');
  if (query === undefined) return {};
  const attributes: Attributes = { 'url.query': redactQuery(query) };
  const messageId = path === STATUS_CALLBACK ? new URLSearchParams(query).get('messageId') : null;
  if (messageId) attributes['notifyx.message_id'] = messageId;
  return attributes;
}

function outgoingUrlAttributes(options: RequestOptions): Attributes {
  const [path, query] = splitQuery(options.path ?? '/');
  if (query === undefined) return {};
  const port = options.port ? `:${options.port}` : '';
  return { 'url.full': `${options.protocol ?? 'http:'}//${options.hostname ?? options.host}${port}${path}?${redactQuery(query)}` };
}

function splitQuery(pathAndQuery: string): [string, string | undefined] {
  const at = pathAndQuery.indexOf('?');
  return at < 0 ? [pathAndQuery, undefined] : [pathAndQuery.slice(0, at), pathAndQuery.slice(at + 1)];
}

function redactQuery(query: string): string {
  const params = new URLSearchParams(query);
  for (const [name] of params) if (!SHOWN_QUERY_VALUES.has(name)) params.set(name, 'REDACTED');
  return params.toString();
}

/** The worker's span for a command names its message, when the command says which. */
function tagMessageId(span: Span, content: Buffer): void {
  try {
    const messageId: unknown = JSON.parse(content.toString('utf8'))?.data?.messageId;
    if (typeof messageId === 'string') span.setAttribute('notifyx.message_id', messageId);
  } catch {
    // not JSON: the command is parked by the consumer, its span says so
  }
}
