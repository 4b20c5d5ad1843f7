/**
 * Traces are exported over OTLP when an endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`, or
 * the traces-only `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); otherwise tracing costs nothing: the
 * OpenTelemetry SDK is not even loaded, and the API calls in the code stay no-ops.
 *
 * Call `startTracing` first thing in a process, before anything loads http, express, amqplib,
 * mongodb or ioredis: the instrumentations patch those modules as they are loaded. This module
 * imports nothing at run time for that reason (the type below is erased). The SDK reads the other `OTEL_*` variables itself (see README).
 */
import type { Tracing } from './tracing-handle';

export type { Tracing } from './tracing-handle';

type Env = Record<string, string | undefined>;

let running: Tracing | undefined;

export function tracingConfigured(env: Env = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** `loadSdk` is there for the unit spec: the default requires the SDK only when tracing is on. */
export function startTracing(
  serviceName: string,
  env: Env = process.env,
  loadSdk: () => { startSdk(serviceName: string): Tracing } = () => require('./sdk'),
): Tracing | undefined {
  if (running || !tracingConfigured(env)) return running;
  running = loadSdk().startSdk(env.OTEL_SERVICE_NAME || serviceName);
  return running;
}

/** Flushes what is buffered; a process calls it before it exits on purpose. */
export async function stopTracing(): Promise<void> {
  const tracing = running;
  running = undefined;
  await tracing?.shutdown().catch(() => undefined);
}
