import { randomBytes } from 'node:crypto';
import { twilioSignature } from '../src/twilio-sandbox/signature';
import { WebhookRefusals } from '../src/webhooks/webhook-refusals';
import { RunningSystem, startSystem, TEST_API_KEY, TEST_AUTH_TOKEN } from './support/system';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIMIT = 20;
const FLOOD = 60;
const SECONDARY_TOKEN = 'the-token-being-rotated-in-0123456789';
const STATUS = '/v1/webhooks/twilio/status';

/**
 * Forged Twilio callbacks in bulk: turned away per source address (the client's, through
 * TRUST_PROXY) before their signature is checked, counted in a metric, and audited a few entries
 * at a time instead of one per call. Counters in Redis, as a production deployment keeps them.
 */
describe('Twilio webhooks under a flood of forged callbacks', () => {
  let system: RunningSystem;
  const auditLog = () => system.mongo.db(system.dbName).collection('audit_log');
  const callback = (source: string, signature: string, params: Record<string, string> = { MessageStatus: 'delivered' }) =>
    system.http().post(STATUS).type('form').set('x-forwarded-for', source).set('x-twilio-signature', signature).send(params);

  beforeAll(async () => {
    system = await startSystem({
      worker: false,
      env: {
        REDIS_URL, REDIS_KEY_PREFIX: `notifyx-test-${randomBytes(4).toString('hex')}:`,
        WEBHOOK_THROTTLE_LIMIT: String(LIMIT), WEBHOOK_THROTTLE_TTL_MS: '60000',
        // The test reaches the API over loopback, standing in for the load balancer.
        TRUST_PROXY: 'loopback', TWILIO_AUTH_TOKEN_SECONDARY: SECONDARY_TOKEN,
      },
    });
  });
  afterAll(async () => {
    await system?.close();
  });

  it(`answers 403 up to ${LIMIT} calls per address, 429 past it, audits in aggregate and counts every refusal`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < FLOOD; i += 1) {
      const answer = await callback('203.0.113.7', 'forged');
      statuses.push(answer.status);
      if (answer.status === 429) {
        expect(answer.body).toMatchObject({ statusCode: 429, code: 'rate_limited', message: expect.any(String) });
        expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(403), ...Array(FLOOD - LIMIT).fill(429)]);
    // Another client behind the same balancer has its own budget.
    expect((await callback('203.0.113.8', 'forged')).status).toBe(403);

    await system.api.get(WebhookRefusals).flush();
    const entries = await auditLog().find({ action: { $in: ['webhook.signature_rejected', 'webhook.rate_limited'] } }).toArray();
    expect(entries.map(({ action, details }) => [action, details.ip, details.count]).sort()).toEqual([
      ['webhook.rate_limited', '203.0.113.7', FLOOD - LIMIT],
      ['webhook.signature_rejected', '203.0.113.7', LIMIT],
      ['webhook.signature_rejected', '203.0.113.8', 1],
    ]);

    const metrics = (await system.http().get('/metrics').set('x-api-key', TEST_API_KEY).expect(200)).text;
    expect(metrics).toContain(`notifyx_webhook_refusals_total{route="${STATUS}",reason="invalid_signature"} ${LIMIT + 1}`);
    expect(metrics).toContain(`notifyx_webhook_refusals_total{route="${STATUS}",reason="rate_limited"} ${FLOOD - LIMIT}`);
  });

  it('accepts a callback signed with TWILIO_AUTH_TOKEN_SECONDARY during a rotation, and with the primary one', async () => {
    const params = { MessageSid: 'SM0123456789abcdef0123456789abcdef', MessageStatus: 'delivered' };
    const url = `${system.baseUrl}${STATUS}`;
    await callback('198.51.100.1', twilioSignature(SECONDARY_TOKEN, url, params), params).expect(204);
    await callback('198.51.100.1', twilioSignature(TEST_AUTH_TOKEN, url, params), params).expect(204);
    const neither = await callback('198.51.100.1', twilioSignature('some-other-token', url, params), params).expect(403);
    expect(neither.body).toMatchObject({ statusCode: 403, code: 'invalid_signature' });
  });
});
