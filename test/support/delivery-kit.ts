import { connect as amqpConnect, type ChannelModel, type GetMessage } from 'amqplib';
import { testServiceUrls } from './services';
import { RunningSystem, TEST_API_KEY } from './system';
import { waitFor } from './wait-for';

/** What GET /v1/messages/:id answers, as far as these specs look at it. */
export interface MessageView {
  id: string;
  status: string;
  to: string;
  body: string;
  attempts: number;
  twilioSid?: string;
  errorCode?: number;
  errorMessage?: string;
  errorDescription?: string;
  history: { status: string; at: string; detail?: string }[];
  priority?: 'high' | 'normal' | 'low';
  createdAt: string;
}

export interface AuditView {
  actor: string;
  action: string;
  messageId?: string;
  requestId?: string;
  details?: Record<string, unknown>;
}

export interface DeadLetterView {
  id: string;
  at: string;
  queue: string;
  reason: string;
  content: string;
  messageId?: string;
  replayedAt?: string;
}

export type FaultKind = 'http500' | '20429' | 'timeout' | 'undelivered';

/** The REST calls and sandbox controls the delivery specs share; every call uses the bootstrap key. */
export function deliveryKit(system: RunningSystem, apiKey = TEST_API_KEY) {
  const get = (path: string, query: Record<string, string | number | boolean> = {}) =>
    system.http().get(path).query(query).set('x-api-key', apiKey);

  const message = async (id: string): Promise<MessageView> => {
    const response = await get(`/v1/messages/${id}`);
    if (response.status !== 200) throw new Error(`GET /v1/messages/${id} → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as MessageView;
  };

  const messagesTo = async (to: string): Promise<MessageView[]> => {
    const response = await get('/v1/messages', { to, limit: 100 });
    if (response.status !== 200) throw new Error(`GET /v1/messages?to=${to} → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.items as MessageView[];
  };

  const audit = async (query: { messageId?: string; action?: string }): Promise<AuditView[]> => {
    const response = await get('/v1/audit', { ...query, limit: 200 });
    if (response.status !== 200) throw new Error(`GET /v1/audit → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.items as AuditView[];
  };

  const deadLetters = async (query: Record<string, string | number | boolean> = {}) => {
    const response = await get('/v1/dead-letters', query);
    if (response.status !== 200) throw new Error(`GET /v1/dead-letters → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as { items: DeadLetterView[]; nextCursor: string | null };
  };

  const sandboxControl = async (method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<void> => {
    const response = await system.sandbox.control(method, path, body);
    if (!response.ok) throw new Error(`sandbox ${method} ${path} → ${response.status} ${await response.text()}`);
  };

  return {
    post: (body: object, headers: Record<string, string> = {}) =>
      system.http().post('/v1/messages').set('x-api-key', apiKey).set(headers).send(body),
    get,
    message,
    messagesTo,
    audit,
    deadLetters,
    replay: (id: string) => system.http().post(`/v1/dead-letters/${id}/replay`).set('x-api-key', apiKey),
    /** Polls until the message reaches one of `statuses`; returns it. */
    until: (id: string, statuses: string[], timeoutMs = 20000) =>
      waitFor(`message ${id} to be ${statuses.join(' or ')}`, async () => {
        const current = await message(id);
        return statuses.includes(current.status) && current;
      }, timeoutMs),
    fault: (to: string, kind: FaultKind, times = 1, errorCode?: number) =>
      sandboxControl('POST', '/__sandbox/faults', { to, kind, times, ...(errorCode === undefined ? {} : { errorCode }) }),
    clearFaults: () => sandboxControl('DELETE', '/__sandbox/faults'),
  };
}

export type DeliveryKit = ReturnType<typeof deliveryKit>;

/** Plain amqplib, the way an external producer or an operator sees the broker. */
export class Broker {
  private constructor(private readonly connection: ChannelModel) {}

  static async connect(url = testServiceUrls().rabbitmqUrl): Promise<Broker> {
    return new Broker(await amqpConnect(url));
  }

  /** Publishes raw bytes to a queue (persistent), waiting for the broker's confirm. */
  async publish(queue: string, content: Buffer | string | object, headers: Record<string, unknown> = {}): Promise<void> {
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(typeof content === 'string' ? content : JSON.stringify(content));
    const channel = await this.connection.createConfirmChannel();
    try {
      channel.sendToQueue(queue, bytes, { persistent: true, contentType: 'application/json', headers });
      await channel.waitForConfirms();
    } finally {
      await channel.close();
    }
  }

  /** Takes every message now in `queue` (acked: they leave the queue). */
  async drain(queue: string): Promise<GetMessage[]> {
    const channel = await this.connection.createChannel();
    const taken: GetMessage[] = [];
    try {
      for (;;) {
        const next = await channel.get(queue, { noAck: true });
        if (!next) return taken;
        taken.push(next);
      }
    } finally {
      await channel.close();
    }
  }

  /** Polls `queue` until a message whose content satisfies `match` arrives; takes it (and the others seen). */
  async waitForMessage(queue: string, match: (content: string) => boolean, timeoutMs = 20000): Promise<GetMessage> {
    const seen: GetMessage[] = [];
    return waitFor(`a matching message in ${queue}`, async () => {
      seen.push(...(await this.drain(queue)));
      return seen.find((message) => match(message.content.toString('utf8')));
    }, timeoutMs);
  }

  async messageCount(queue: string): Promise<number> {
    const channel = await this.connection.createChannel();
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } finally {
      await channel.close();
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

/** A phone number unique to one test, in Brazil's mobile range (the default country). */
export function brMobile(seed: number): string {
  return `+55119${String(seed).padStart(8, '0')}`;
}

export const statusesOf = (message: MessageView) => message.history.map((change) => change.status);
