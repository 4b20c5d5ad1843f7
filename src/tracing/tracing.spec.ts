import { ROOT_CONTEXT, trace, TraceFlags, defaultTextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { GivenContextFirst } from './given-context-first';
import { startTracing, stopTracing, tracingConfigured } from './tracing';

describe('startTracing', () => {
  afterEach(() => stopTracing());

  it('loads no SDK at all without an OTLP endpoint', () => {
    const loadSdk = jest.fn();
    expect(startTracing('notifyx-api', {}, loadSdk)).toBeUndefined();
    expect(startTracing('notifyx-api', { OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }, loadSdk)).toBeUndefined();
    expect(loadSdk).not.toHaveBeenCalled();
  });

  it('starts the SDK once when an endpoint is set, under OTEL_SERVICE_NAME when given', async () => {
    const shutdown = jest.fn().mockResolvedValue(undefined);
    const startSdk = jest.fn().mockReturnValue({ shutdown });
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SERVICE_NAME: 'api-eu' };
    const first = startTracing('notifyx-api', env, () => ({ startSdk }));
    expect(startTracing('notifyx-api', env, () => ({ startSdk }))).toBe(first);
    expect(startSdk).toHaveBeenCalledTimes(1);
    expect(startSdk).toHaveBeenCalledWith('api-eu');
    await stopTracing();
    expect(shutdown).toHaveBeenCalledTimes(1);
  });

  it('is off with OTEL_SDK_DISABLED=true, on with a traces-only endpoint', () => {
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x:4318/v1/traces' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBe(false);
  });
});

describe('GivenContextFirst', () => {
  const propagator = new GivenContextFirst(new W3CTraceContextPropagator());
  const spanContext = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED };
  const active = trace.setSpanContext(ROOT_CONTEXT, spanContext);

  it('injects the active context into a carrier without one', () => {
    const headers: Record<string, string> = {};
    propagator.inject(active, headers, defaultTextMapSetter);
    expect(headers.traceparent).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
  });

  it('keeps the traceparent a publisher or producer already wrote', () => {
    const given = `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`;
    const headers: Record<string, unknown> = { traceparent: given };
    propagator.inject(active, headers, defaultTextMapSetter);
    expect(headers.traceparent).toBe(given);
  });
});
