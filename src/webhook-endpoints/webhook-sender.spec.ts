import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { AppConfig } from '../config/app-config';
import { WebhookSender } from './webhook-sender';

const SECRET = `whsec_${Buffer.from('0123456789abcdef01234567').toString('base64')}`;
const OLD_SECRET = `whsec_${Buffer.from('76543210fedcba9876543210').toString('base64')}`;

function senderWith(allowLocal: boolean, timeoutMs = 500): WebhookSender {
  return new WebhookSender({ webhooks: { allowLocal, timeoutMs } } as unknown as AppConfig);
}

describe('WebhookSender', () => {
  let server: Server;
  let url: string;
  let answer: (res: import('node:http').ServerResponse) => void;
  const seen: { headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('signs with every active secret; the receiver verifies with either', async () => {
    answer = (res) => res.writeHead(204).end();
    const result = await senderWith(true).send(url, [SECRET, OLD_SECRET], { id: 'evt_1' }, '{"a":1}');
    expect(result).toMatchObject({ ok: true, statusCode: 204 });
    const { headers, body } = seen.at(-1)!;
    expect(String(headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [SECRET, OLD_SECRET]) expect(new Webhook(secret).verify(body, headers as Record<string, string>)).toEqual({ a: 1 });
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    answer = (res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    expect(await senderWith(true).send(url, [SECRET], { id: 'evt_2' }, '{}')).toMatchObject({ ok: false, statusCode: 302 });
  });

  it('keeps only a short excerpt of the answer', async () => {
    answer = (res) => res.writeHead(500).end('x'.repeat(100_000));
    const result = await senderWith(true).send(url, [SECRET], { id: 'evt_3' }, '{}');
    expect(result.ok).toBe(false);
    expect(result.responseExcerpt!.length).toBeLessThanOrEqual(256);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    answer = () => undefined;
    const result = await senderWith(true, 200).send(url, [SECRET], { id: 'evt_4' }, '{}');
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/no answer within 200 ms/) });
  });

  it('outside sandbox mode, refuses http and a loopback address at connect time', async () => {
    expect(await senderWith(false).send(url, [SECRET], { id: 'evt_5' }, '{}')).toMatchObject({ ok: false, error: 'must be https' });
    const viaName = `https://localhost:${(server.address() as AddressInfo).port}/hook`;
    expect(await senderWith(false).send(viaName, [SECRET], { id: 'evt_6' }, '{}')).toMatchObject({ ok: false, error: expect.stringMatching(/loopback/) });
  });
});
