import { RmqRecordBuilder } from '@nestjs/microservices';
import { LaneRmqClient } from './lane-client';

const lanes = { high: 'q.high', normal: 'q', low: 'q.low' };

/** A client whose channel records what it is asked to publish, and where. */
function clientWithChannel() {
  const client = new LaneRmqClient({ urls: ['amqp://127.0.0.1'], queue: 'q', queueOptions: { durable: true }, persistent: true, lanes });
  const sent: { queue: string; content: unknown; options: Record<string, unknown> }[] = [];
  const channel = {
    sendToQueue: (queue: string, content: Buffer, options: Record<string, unknown>, done: (error?: unknown) => void) => {
      sent.push({ queue, content: JSON.parse(content.toString()), options });
      done();
    },
  };
  Object.assign(client, { channel });
  const dispatch = (data: unknown) => (client as unknown as { dispatchEvent(packet: unknown): Promise<unknown> }).dispatchEvent({ pattern: 'sms.send', data });
  return { client, sent, dispatch };
}

describe('LaneRmqClient', () => {
  afterEach(() => jest.restoreAllMocks());

  it("publishes each command to its lane's queue; none named: the send queue", async () => {
    const { sent, dispatch } = clientWithChannel();
    await dispatch({ messageId: 'a', priority: 'high' });
    await dispatch({ messageId: 'b' });
    await dispatch(new RmqRecordBuilder({ messageId: 'c', priority: 'low' }).setOptions({ headers: { 'x-request-id': 'r' } }).build());
    expect(sent.map(({ queue }) => queue)).toEqual(['q.high', 'q', 'q.low']);
    expect(sent[2]).toMatchObject({ content: { pattern: 'sms.send', data: { messageId: 'c', priority: 'low' } }, options: { persistent: true, headers: { 'x-request-id': 'r' } } });
  });

  it('declares every lane\'s queue with the send queue\'s arguments before it publishes', async () => {
    const { client } = clientWithChannel();
    const declared: [string, unknown][] = [];
    const channel = { assertQueue: async (queue: string, options: unknown) => declared.push([queue, options]) };
    jest.spyOn(Object.getPrototypeOf(LaneRmqClient.prototype), 'setupChannel').mockImplementation(async (...args: unknown[]) => {
      const [given] = args as [typeof channel];
      await given.assertQueue('q', { durable: true });
    });
    await client.setupChannel(channel as never, () => undefined);
    expect(declared.map(([queue]) => queue).sort()).toEqual(['q', 'q.high', 'q.low']);
    expect(declared.every(([, options]) => JSON.stringify(options) === JSON.stringify({ durable: true }))).toBe(true);
  });
});
