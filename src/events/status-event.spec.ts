import { callbackContextParam, contextFromParam } from './callback-context';
import { contextOf, outboundOf, statusEventOf } from './status-event';

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
        messageId: 'm1', projectId: 'root', status: 'undelivered', sequence: 4, errorCode: 30003, errorMessage: 'Unreachable', errorDescription: 'The phone is off',
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

  it('carries the acceptance time, so a delivery is timed without reading the message', () => {
    const param = callbackContextParam({ segments: 1, createdAt: at });
    expect(contextFromParam((param as { ev: string }).ev)).toEqual({ segments: 1, createdAt: at });
    expect(contextOf({ segments: 1, createdAt: at })).toEqual({ segments: 1, acceptedAt: at.getTime() });
    expect(contextFromParam(Buffer.from(JSON.stringify({ segments: 1, acceptedAt: 'soon' })).toString('base64url'))).toEqual({ segments: 1 });
  });

  it('publishes an entry that carries its own event as it is, and a change with its message\'s statusCallback', () => {
    const carried = outboundOf({ fence: 'event:evt_in_1', at, event: { id: 'evt_in_1', type: 'message.received', data: { body: 'hi' } } });
    expect(carried).toEqual({ event: { id: 'evt_in_1', type: 'message.received', timestamp: '2026-12-03T12:00:00.000Z', data: { body: 'hi' } } });
    const change = outboundOf({ fence: 'm2:3', at, messageId: 'm2', seq: 3, change: { status: 'sent', set: {}, unset: [] }, event: { segments: 1, statusCallback: 'https://x.example/cb' } });
    expect(change.statusCallback).toBe('https://x.example/cb');
    expect(change.event).toMatchObject({ id: 'evt_m2_3', type: 'message.sent', data: { sequence: 3, segments: 1 } });
  });

  it('names the project its fenced entry names (root when none)', () => {
    const entry = { fence: 'm3:2', at, messageId: 'm3', seq: 2, change: { status: 'sent', set: {}, unset: [] }, event: { segments: 1 } };
    expect(outboundOf({ ...entry, projectId: '6650f1c2a1b2c3d4e5f60718' }).event.data.projectId).toBe('6650f1c2a1b2c3d4e5f60718');
    expect(outboundOf(entry).event.data.projectId).toBe('root');
  });
});
