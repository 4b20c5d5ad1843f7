import type { Request } from 'express';
import type { AuditEvent, AuditService } from '../audit/audit.service';
import type { WebhookMetrics } from '../metrics/webhook-metrics';
import { MAX_SOURCES, WebhookRefusals } from './webhook-refusals';

describe('WebhookRefusals', () => {
  let written: AuditEvent[];
  let counted: string[];
  let refusals: WebhookRefusals;
  const from = (ip: string, path = '/v1/webhooks/twilio/status') => ({ ip, path, route: { path: '/v1/webhooks/twilio/status' } }) as unknown as Request;

  beforeEach(() => {
    written = [];
    counted = [];
    const audit = { recordMany: async (events: AuditEvent[]) => void written.push(...events) } as unknown as AuditService;
    const metrics = { refused: (route: string, reason: string) => void counted.push(`${route} ${reason}`) } as unknown as WebhookMetrics;
    refusals = new WebhookRefusals(audit, metrics);
  });

  it('counts every refusal in the metric, and audits one entry per source and reason per window', async () => {
    for (let i = 0; i < 500; i += 1) refusals.record(from('10.0.0.1'), 'invalid_signature', new Date(1_000 + i));
    refusals.record(from('10.0.0.1'), 'rate_limited');
    refusals.record(from('10.0.0.2', '/v1/webhooks/twilio/inbound'), 'invalid_signature');
    expect(counted).toHaveLength(502);
    expect(counted[0]).toBe('/v1/webhooks/twilio/status invalid_signature');
    await refusals.flush();
    expect(written).toHaveLength(3);
    expect(written[0]).toEqual({
      actor: 'anonymous', action: 'webhook.signature_rejected',
      details: { ip: '10.0.0.1', count: 500, paths: ['/v1/webhooks/twilio/status'], from: new Date(1_000).toISOString(), to: new Date(1_499).toISOString() },
    });
    expect(written.map((event) => [event.action, event.details?.ip, event.details?.count])).toEqual([
      ['webhook.signature_rejected', '10.0.0.1', 500], ['webhook.rate_limited', '10.0.0.1', 1], ['webhook.signature_rejected', '10.0.0.2', 1],
    ]);
    await refusals.flush();
    expect(written).toHaveLength(3);
  });

  it(`tallies at most ${MAX_SOURCES} sources a window; the rest count under "other"`, async () => {
    for (let i = 0; i < MAX_SOURCES + 50; i += 1) refusals.record(from(`10.1.${i >> 8}.${i & 255}`), 'invalid_signature');
    await refusals.flush();
    expect(written).toHaveLength(MAX_SOURCES + 1);
    expect(written.at(-1)?.details).toMatchObject({ ip: 'other', count: 50 });
  });

  it('keeps refusing when the audit store is down', async () => {
    const failing = new WebhookRefusals({ recordMany: async () => Promise.reject(new Error('down')) } as unknown as AuditService, { refused: () => undefined } as unknown as WebhookMetrics);
    failing.record(from('10.0.0.1'), 'invalid_signature');
    await expect(failing.flush()).resolves.toBeUndefined();
  });
});
