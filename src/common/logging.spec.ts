import type { IncomingMessage, ServerResponse } from 'node:http';
import { batchedWriter, requestLineLevel } from './logging';

const request = (method: string, originalUrl: string) => ({ method, url: '/status', originalUrl }) as unknown as IncomingMessage;
const response = (statusCode: number) => ({ statusCode }) as ServerResponse;

describe('the line closing a request', () => {
  it('is at debug (left out at the default level) for a Twilio status callback answered 204', () => {
    expect(requestLineLevel(request('POST', '/v1/webhooks/twilio/status?messageId=6566f0c2a1b2c3d4e5f60718&attempt=1&v=3'), response(204))).toBe('debug');
  });

  it('is kept for a refused or failed status callback, and for every other request', () => {
    expect(requestLineLevel(request('POST', '/v1/webhooks/twilio/status'), response(403))).toBe('info');
    expect(requestLineLevel(request('POST', '/v1/webhooks/twilio/status'), response(429))).toBe('info');
    expect(requestLineLevel(request('POST', '/v1/webhooks/twilio/status'), response(500))).toBe('info');
    expect(requestLineLevel(request('POST', '/v1/webhooks/twilio/inbound'), response(200))).toBe('info');
    expect(requestLineLevel(request('POST', '/v1/messages'), response(202))).toBe('info');
    expect(requestLineLevel(request('GET', '/v1/webhooks/twilio/status'), response(204))).toBe('info');
  });
});

describe('batchedWriter', () => {
  it('writes the lines of one turn of the event loop together, in order, right after it', async () => {
    const writes: string[] = [];
    const out = batchedWriter((text) => writes.push(text));
    out.write('a\n');
    out.write('b\n');
    expect(writes).toEqual([]);
    await new Promise(setImmediate);
    expect(writes).toEqual(['a\nb\n']);
    out.write('c\n');
    await new Promise(setImmediate);
    expect(writes).toEqual(['a\nb\n', 'c\n']);
  });

  it('writes what is still waiting when flushed (the process exiting)', () => {
    const writes: string[] = [];
    const out = batchedWriter((text) => writes.push(text));
    out.write('last\n');
    out.flush();
    out.flush();
    expect(writes).toEqual(['last\n']);
  });
});
