import { describeTwilioError } from '../src/sms/twilio-errors';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

interface MessageView {
  status: string;
  twilioSid?: string;
  errorCode?: number;
  errorMessage?: string;
  errorDescription?: string;
  history: { status: string; at: string; detail?: string }[];
}

const RECONCILE_AFTER_MS = 1500;

/**
 * Status callbacks that never arrive: PUBLIC_BASE_URL points at a port nothing listens on, so
 * every callback the sandbox makes fails, and only the worker's reconciler can finish a message.
 */
describe('reconciliation of lost status callbacks (real worker, FerretDB, sandbox)', () => {
  let system: RunningSystem;
  const get = async (id: string): Promise<MessageView> =>
    (await system.http().get(`/v1/messages/${id}`).set('x-api-key', TEST_API_KEY).expect(200)).body;
  const send = async (to: string): Promise<string> =>
    (await system.http().post('/v1/messages').set('x-api-key', TEST_API_KEY).send({ to, body: 'reconcile me' }).expect(202)).body.id;
  const sandboxStatus = (sid: string) => system.sandbox.messages().find((message) => message.sid === sid)?.status;
  const waitForStatus = (id: string, status: string) =>
    waitFor(`${id} ${status}`, async () => {
      const message = await get(id);
      return message.status === status && message;
    });

  beforeAll(async () => {
    system = await startSystem({
      env: { PUBLIC_BASE_URL: 'http://127.0.0.1:9', RECONCILE_INTERVAL_MS: '250', RECONCILE_AFTER_MS: String(RECONCILE_AFTER_MS) },
    });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('moves a message whose callbacks were lost from sent to delivered, audited as the reconciler', async () => {
    const id = await send('+5511987654321');
    const sent = await waitForStatus(id, 'sent');
    // Twilio (the sandbox) has finished with it; we were never told.
    await waitFor('sandbox delivered', async () => sandboxStatus(sent.twilioSid as string) === 'delivered');
    expect((await get(id)).status).toBe('sent');

    const delivered = await waitForStatus(id, 'delivered');
    expect(delivered.history.map((change) => change.status)).toEqual(['queued', 'sending', 'sent', 'delivered']);
    const [sentAt, deliveredAt] = delivered.history.slice(2).map((change) => new Date(change.at).getTime());
    expect(deliveredAt - sentAt).toBeGreaterThanOrEqual(RECONCILE_AFTER_MS);

    const audit = await system.http().get('/v1/audit').query({ messageId: id, action: 'message.status_changed' })
      .set('x-api-key', TEST_API_KEY).expect(200);
    expect(audit.body.items[0]).toMatchObject({
      actor: 'reconciler', details: { from: 'sent', to: 'delivered', twilioSid: sent.twilioSid },
    });
  });

  it('moves an undelivered one to undelivered with Twilio\'s error code and our description', async () => {
    const to = '+5511987650003';
    const fault = await system.sandbox.control('POST', '/__sandbox/faults', { to, kind: 'undelivered', errorCode: 30003 });
    expect(fault.status).toBe(201);
    const id = await send(to);

    const undelivered = await waitForStatus(id, 'undelivered');
    const { title, description } = describeTwilioError(30003);
    expect(undelivered).toMatchObject({ errorCode: 30003, errorMessage: expect.any(String), errorDescription: description });
    expect(undelivered.errorMessage).not.toBe('');
    expect(undelivered.history.at(-1)).toMatchObject({ status: 'undelivered', detail: description });
    expect(title).toBe('Unreachable destination handset');
  });
});
