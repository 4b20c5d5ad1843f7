import { ObjectId } from 'mongodb';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Broker, brMobile, deliveryKit, DeliveryKit, MessageView } from './support/delivery-kit';
import { RunningSystem, startSystem } from './support/system';
import { waitFor } from './support/wait-for';

const MAX_ATTEMPTS = 3;

interface AsyncApiDoc {
  components: {
    messages: { smsSend: { examples: { name: string; payload: { pattern: string; data: Record<string, unknown> } }[] } };
    schemas: { DeadLetterHeaders: { required: string[] } };
  };
}

/** docs/asyncapi.yaml, read with the YAML parser @nestjs/swagger already brings along. */
function asyncApiDoc(): AsyncApiDoc {
  const yaml = require('js-yaml') as { load(text: string): unknown };
  return yaml.load(readFileSync(join(__dirname, '..', 'docs', 'asyncapi.yaml'), 'utf8')) as AsyncApiDoc;
}

/**
 * External producers publish the documented wire format with plain amqplib, no HTTP: the worker
 * stores the message, delivers it, and parks what it cannot read with the reason.
 */
describe('external producers on RabbitMQ', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let broker: Broker;

  beforeAll(async () => {
    system = await startSystem({ env: { SMS_MAX_ATTEMPTS: String(MAX_ATTEMPTS), SMS_RETRY_BASE_MS: '50' } });
    kit = deliveryKit(system);
    broker = await Broker.connect();
  });
  afterEach(async () => {
    await kit?.clearFaults();
  });
  afterAll(async () => {
    await system?.close();
    await broker?.close();
  });

  const publish = (data: Record<string, unknown>) => broker.publish(system.queue, { pattern: 'sms.send', data });
  const deadQueue = () => `${system.queue}.dead`;

  /** The one message stored for `to`, once it reaches one of `statuses`. */
  const onlyMessageTo = (to: string, statuses: string[]): Promise<MessageView> =>
    waitFor(`a message to ${to} in ${statuses.join('/')}`, async () => {
      const found = await kit.messagesTo(to);
      return found.length > 0 && found.every((message) => statuses.includes(message.status)) && found[0];
    });

  /** A valid command published after the others: once it is delivered, the consumer got past them. */
  async function sentinelDelivered(seed: number): Promise<void> {
    const to = brMobile(seed);
    await publish({ to, body: 'sentinel' });
    await onlyMessageTo(to, ['delivered']);
  }

  it('stores and delivers a producer command, audited as the producer, with its request id and metadata', async () => {
    const national = '11920000101';
    const to = '+5511920000101';
    await publish({ to: national, body: 'from a producer', producerId: 'p-1', requestId: 'req-producer-1', metadata: { orderId: 'A-17' } });

    const message = await onlyMessageTo(to, ['delivered']);
    expect(message).toMatchObject({ to, body: 'from a producer', attempts: 1, metadata: { orderId: 'A-17' } });
    const accepted = await kit.audit({ messageId: message.id, action: 'message.accepted' });
    expect(accepted).toEqual([expect.objectContaining({ actor: 'producer', requestId: 'req-producer-1' })]);
    const statusChanges = await kit.audit({ messageId: message.id, action: 'message.status_changed' });
    const changes = statusChanges.map((entry) => ({ actor: entry.actor, to: entry.details?.to }));
    expect(changes).toContainEqual({ actor: 'producer', to: 'sending' });
    // `sent` is recorded once, by whichever lands first: the worker with Twilio's answer, or Twilio's own `sent` callback.
    expect(changes.filter((change) => change.to === 'sent')).toEqual([
      { actor: expect.stringMatching(/^(producer|twilio)$/), to: 'sent' },
    ]);
    expect(system.sandbox.sendsTo(to)).toBe(1);
  });

  it('accepts the producer examples of docs/asyncapi.yaml as published, and sets the dead-letter headers it documents', async () => {
    const doc = asyncApiDoc();
    const producerExamples = doc.components.messages.smsSend.examples.filter((example) => 'to' in example.payload.data);
    expect(producerExamples.length).toBeGreaterThanOrEqual(2);
    // An example that names a project needs it to exist (as one made by POST /v1/projects would).
    const projects = [...new Set(producerExamples.map((example) => example.payload.data.projectId).filter((id): id is string => typeof id === 'string'))];
    for (const id of projects) await system.mongo.db(system.dbName).collection('projects').insertOne({ _id: new ObjectId(id), name: `example-${id}`, createdAt: new Date(), createdBy: 'test' });
    for (const example of producerExamples) await broker.publish(system.queue, example.payload);
    await waitFor('every documented example delivered', async () => {
      const delivered = await system.mongo.db(system.dbName).collection('messages')
        .countDocuments({ producerId: { $in: producerExamples.map((example) => example.payload.data.producerId) }, status: 'delivered' });
      return delivered === producerExamples.length;
    });

    await broker.publish(system.queue, 'documented headers?');
    const parked = await broker.waitForMessage(deadQueue(), (text) => text === 'documented headers?');
    for (const header of doc.components.schemas.DeadLetterHeaders.required) expect(parked.properties.headers).toHaveProperty([header]);
  });

  it('sends a producerId once, however often the command is published', async () => {
    const to = brMobile(20002);
    for (let i = 0; i < 3; i += 1) await publish({ to, body: 'published three times', producerId: 'p-dup-1' });

    await onlyMessageTo(to, ['delivered']);
    await sentinelDelivered(20902);
    expect(await kit.messagesTo(to)).toHaveLength(1);
    expect(system.sandbox.sendsTo(to)).toBe(1);
  });

  it('parks a command whose number does not parse, with the number in the reason, audits it, and keeps consuming', async () => {
    const content = { pattern: 'sms.send', data: { to: '12345', body: 'to nowhere', producerId: 'p-bad-number' } };
    await broker.publish(system.queue, content);

    const parked = await broker.waitForMessage(deadQueue(), (text) => text.includes('p-bad-number'));
    expect(JSON.parse(parked.content.toString())).toEqual(content);
    expect(String(parked.properties.headers?.['x-notifyx-reason'])).toMatch(/"12345" is not a valid phone number/);

    const audited = await waitFor('the dead-lettering in the audit log', async () =>
      (await kit.audit({ action: 'command.dead_lettered' })).find((entry) => String(entry.details?.reason).includes('"12345"')));
    expect(audited).toMatchObject({ actor: 'worker', details: { queue: deadQueue() } });
    expect((await kit.deadLetters()).items.find((letter) => letter.content.includes('p-bad-number'))?.reason)
      .toMatch(/"12345" is not a valid phone number/);
    expect(await system.mongo.db(system.dbName).collection('messages').countDocuments({ body: 'to nowhere' })).toBe(0);

    await sentinelDelivered(20903);
  });

  it.each([
    ['a missing body', { to: '+5511920000104' }, /body must be/],
    ['an empty body', { to: '+5511920000104', body: '' }, /body must be longer than or equal to 1 characters/],
    ['a body over 1600 characters', { to: '+5511920000104', body: 'x'.repeat(1601) }, /body must be shorter than or equal to 1600/],
    ['a number that is not a string', { to: 5511920000104, body: 'hi' }, /to must be a string/],
    ['an unsafe metadata key', { to: '+5511920000104', body: 'hi', metadata: { $where: '1' } }, /metadata key "\$where"/],
    ['an unknown field', { to: '+5511920000104', body: 'hi', urgency: 'high' }, /property urgency should not exist/],
    ['a priority that is not a lane', { to: '+5511920000104', body: 'hi', priority: 'urgent' }, /priority must be one of: high, normal, low/],
  ])('parks a command with %s, with the reason', async (_, data, reason) => {
    const marker = `marker-${Math.random().toString(36).slice(2)}`;
    await broker.publish(system.queue, { pattern: 'sms.send', data: { ...data, requestId: marker } });
    const parked = await broker.waitForMessage(deadQueue(), (text) => text.includes(marker));
    expect(String(parked.properties.headers?.['x-notifyx-reason'])).toMatch(reason);
    expect(await kit.messagesTo('+5511920000104')).toHaveLength(0);
  });

  it('retries a producer command on a transient failure without storing the message twice', async () => {
    const to = brMobile(20005);
    await kit.fault(to, 'http500', 1);
    await publish({ to, body: 'producer, then a 500' });

    const delivered = await waitFor('a delivered message', async () =>
      (await kit.messagesTo(to)).find((message) => message.status === 'delivered'));
    const stored = await kit.messagesTo(to);
    expect(stored.map((message) => `${message.status}/${message.attempts}`)).toEqual(['delivered/2']);
    expect(delivered.attempts).toBe(2);
    expect(system.sandbox.sendsTo(to)).toBe(1);
  });

  it('gives up on a producer command after SMS_MAX_ATTEMPTS like on any other, with one message record', async () => {
    const to = brMobile(20007);
    await kit.fault(to, '20429', 0);
    await publish({ to, body: 'producer, rate limited forever' });

    // Stops at the first sign of either outcome: the command parked, or more records than attempts.
    // Once stored, the message travels by id: the parked command names the message, not the producer's text.
    await waitFor('the command to be parked, or records to pile up', async () => {
      const records = await kit.messagesTo(to);
      const parked = (await kit.deadLetters()).items.some((letter) => records.some((m) => letter.content.includes(m.id)));
      return parked || records.length > MAX_ATTEMPTS;
    });
    const stored = await kit.messagesTo(to);
    expect(stored.map((message) => `${message.status}/${message.attempts}`)).toEqual([`failed/${MAX_ATTEMPTS}`]);
  });

  it('does not silently drop a command that reuses a producerId for another text', async () => {
    const to = brMobile(20006);
    await publish({ to, body: 'first text', producerId: 'p-reused' });
    await onlyMessageTo(to, ['delivered']);
    await publish({ to, body: 'a different text', producerId: 'p-reused' });
    await sentinelDelivered(20906);

    // Either it is sent as its own message, or it is parked with a reason that names the producerId.
    const outcome = await waitFor('the second command to be sent or parked', async () => {
      if (system.sandbox.messages().some((m) => m.body === 'a different text')) return 'sent';
      const letters = (await kit.deadLetters()).items.filter((letter) => letter.content.includes('a different text'));
      return letters.length > 0 ? letters[0].reason : undefined;
    }, 3000).catch(() => 'dropped: neither sent, nor parked, nor stored');
    expect(outcome).toMatch(/^sent$|producerId/);
  });
});
