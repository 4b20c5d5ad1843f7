import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

/** Bulk sends with per-recipient rejections, batch progress, scheduled sends that survive a restart, cancel. */
describe('bulk sends, batches, scheduling and cancel', () => {
  let system: RunningSystem;
  let api: INestApplication;
  const http = () => request(api.getHttpServer());
  const get = (path: string) => http().get(path).set('x-api-key', TEST_API_KEY);
  const post = (path: string, body: object) => http().post(path).set('x-api-key', TEST_API_KEY).send(body);
  const statusOf = async (id: string) => (await get(`/v1/messages/${id}`)).body.status as string;

  beforeAll(async () => {
    system = await startSystem({ env: { OUTBOX_RELAY_INTERVAL_MS: '250' } });
    api = system.api;
  });
  afterAll(async () => {
    if (api !== system?.api) await api?.close();
    await system?.close();
  });

  it('accepts good recipients, rejects bad ones by index, and reports batch progress to 100%', async () => {
    await post('/v1/templates', { name: 'bulk-hello', body: 'Oi {{name}}!' }).expect(201);
    const recipients = [
      { to: '11987651001', variables: { name: 'Ana' } },
      { to: '123', variables: { name: 'Bad number' } },
      { to: '+15005550001', variables: { name: 'Twilio says invalid' } },
      { to: '11987651002' },
      { to: '11987651003', variables: { name: 'Caio' } },
    ];
    const accepted = await post('/v1/messages/bulk', { templateName: 'bulk-hello', recipients }).expect(202);
    expect(accepted.body).toEqual({
      batchId: expect.stringMatching(/^[0-9a-f]{24}$/), accepted: 3,
      rejected: [
        { index: 1, reason: expect.stringMatching(/"123" is not a valid phone number/) },
        { index: 3, reason: expect.stringMatching(/template variable "name" is missing/) },
      ],
    });
    const progress = await waitFor('batch done', async () => {
      const batch = (await get(`/v1/batches/${accepted.body.batchId}`).expect(200)).body;
      return batch.percentDone === 100 && batch;
    });
    expect(progress).toMatchObject({ total: 5, accepted: 3, rejected: 2, counts: { delivered: 2, failed: 1 }, segmentsSent: 2 });
    const sent = system.sandbox.messages().filter((m) => m.body.startsWith('Oi ')).map((m) => m.body).sort();
    expect(sent).toEqual(['Oi Ana!', 'Oi Caio!']);
  });

  it.each([
    [{ body: 'x', recipients: [] }, /recipients must contain at least 1/],
    [{ body: 'x', recipients: Array.from({ length: 10001 }, () => ({ to: '11987651004' })) }, /recipients must contain no more than 10000/],
    [{ body: 'x', templateName: 'bulk-hello', recipients: [{ to: '11987651004' }] }, /exactly one of body/],
    [{ body: 'x', recipients: [{ to: '11987651004' }], sendAt: new Date(Date.now() + 10_000).toISOString() }, /between 1 minute and 35 days/],
  ])('refuses %#', async (body, message) => {
    const response = await post('/v1/messages/bulk', body);
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(message);
  });

  it('refuses sendAt outside 1 minute to 35 days with 400, storing nothing', async () => {
    const before = await system.mongo.db(system.dbName).collection('messages').countDocuments();
    for (const sendAt of [new Date(Date.now() + 30_000), new Date(Date.now() + 36 * 86_400_000), 'tomorrow']) {
      const response = await post('/v1/messages', { to: '11987651010', body: 'later', sendAt }).expect(400);
      expect(response.body.message).toMatch(/sendAt/);
    }
    expect(await system.mongo.db(system.dbName).collection('messages').countDocuments()).toBe(before);
  });

  it('cancels a scheduled message (→ canceled, never sent) and answers 409 for one already sent', async () => {
    const sendAt = new Date(Date.now() + 5 * 60_000).toISOString();
    const scheduled = await post('/v1/messages', { to: '11987651011', body: 'cancel me', sendAt }).expect(202);
    expect(scheduled.body.status).toBe('scheduled');
    const canceled = await post(`/v1/messages/${scheduled.body.id}/cancel`, {}).expect(200);
    expect(canceled.body.status).toBe('canceled');
    expect((await post(`/v1/messages/${scheduled.body.id}/cancel`, {}).expect(409)).body.code).toBe('not_cancelable');

    const now = await post('/v1/messages', { to: '11987651012', body: 'sent already' }).expect(202);
    await waitFor('delivered', async () => (await statusOf(now.body.id)) === 'delivered');
    expect((await post(`/v1/messages/${now.body.id}/cancel`, {}).expect(409)).body.code).toBe('not_cancelable');
    await post('/v1/messages/6650f1c2a1b2c3d4e5f60718/cancel', {}).expect(404);
    expect(system.sandbox.sendsTo('+5511987651011')).toBe(0);
  });

  it('sends a scheduled message at its time, even when the API restarted in between', async () => {
    const sendAt = new Date(Date.now() + 61_000);
    const scheduled = await post('/v1/messages', { to: '11987651013', body: 'on time', sendAt: sendAt.toISOString() }).expect(202);
    expect(scheduled.body.status).toBe('scheduled');

    await api.close();
    const { createApiApp } = await import('../src/bootstrap');
    api = await createApiApp();
    await api.listen(Number(system.env.PORT), '127.0.0.1');

    expect(await statusOf(scheduled.body.id)).toBe('scheduled');
    await waitFor('delivered after its time', async () => (await statusOf(scheduled.body.id)) === 'delivered', 90_000);
    const sentAt = system.sandbox.messages().find((m) => m.body === 'on time')!.dateCreated.getTime();
    expect(sentAt).toBeGreaterThanOrEqual(sendAt.getTime() - 1000);
    expect(sentAt - sendAt.getTime()).toBeLessThan(5000);
  }, 120_000);
});
