import { callbackContextParam, contextFromParam } from './callback-context';
import { contextOf, statusEventOf } from './status-event';

describe('status events', () => {
  const at = new Date('2026-12-03T12:00:00.000Z');

  it('builds the event from the change and the context its writer held, with a stable id', () => {
    const entry = {
      messageId: 'm1', seq: 4, at,
      change: { status: 'undelivered', set: { errorCode: 30003, errorMessage: 'Unreachable', errorDescription: 'The phone is off', twilioSid: 'SM1' }, unset: [] },
      event: { segments: 2, producerId: 'order-9', metadata: { a: 'b' } },
    };
    const event = statusEventOf(entry);
    expect(event).toEqual({
      id: 'evt_m1_4', type: 'message.undelivered', timestamp: '2026-12-03T12:00:00.000Z',
      data: {
        messageId: 'm1', status: 'undelivered', sequence: 4, errorCode: 30003, errorMessage: 'Unreachable', errorDescription: 'The phone is off',
        twilioSid: 'SM1', segments: 2, producerId: 'order-9', metadata: { a: 'b' }, detail: null,
      },
    });
    expect(statusEventOf(entry).id).toBe(event.id);
  });

  it('says the context is unknown when the writer held less than a whole message', () => {
    expect(contextOf({})).toEqual({ known: false });
    expect(contextOf({ segments: 1, producerId: 'p' })).toEqual({ segments: 1, producerId: 'p' });
  });

  it('carries the context through a callback URL parameter, and ignores a malformed one', () => {
    const param = callbackContextParam({ segments: 3, metadata: { k: 'v' }, statusCallback: 'https://x.example/cb' });
    expect(contextFromParam((param as { ev: string }).ev)).toEqual({ segments: 3, metadata: { k: 'v' }, statusCallback: 'https://x.example/cb' });
    expect(contextFromParam('not-json')).toEqual({});
    expect(contextFromParam(Buffer.from(JSON.stringify({ segments: 'x' })).toString('base64url'))).toEqual({});
    expect(callbackContextParam({ segments: 1, metadata: { big: 'x'.repeat(2000) } })).toEqual({});
  });
});
