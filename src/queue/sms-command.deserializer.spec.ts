import { SmsCommandDeserializer } from './sms-command.deserializer';
import { SmsPattern } from './sms-commands';

const messageId = '65f0c0ffee0123456789abcd';
const stored = { pattern: SmsPattern.Send, data: { messageId, requestId: 'req-1' } };
const delivered = (count?: number) => ({ headers: count === undefined ? {} : { 'x-delivery-count': count } });

describe('SmsCommandDeserializer', () => {
  it('passes a readable command through', () => {
    expect(new SmsCommandDeserializer(10).deserialize(stored, delivered(9))).toEqual(stored);
  });

  it('parks a command returned as often as the delivery limit, naming its message', () => {
    const event = new SmsCommandDeserializer(10).deserialize(stored, delivered(10));
    expect(event.pattern).toBe(SmsPattern.Unprocessable);
    expect(event.data).toMatchObject({ pattern: SmsPattern.Send, command: { messageId, requestId: 'req-1' } });
    expect((event.data as { reason: string }).reason).toMatch(/delivered 11 times without being acked.*delivery limit of 10/);
  });

  it('a producer command past the limit is parked as it came (no message to name)', () => {
    const producer = { pattern: SmsPattern.Send, data: { to: '+5511987654321', body: 'hi' } };
    const event = new SmsCommandDeserializer(10).deserialize(producer, delivered(12));
    expect(event.pattern).toBe(SmsPattern.Unprocessable);
    expect(event.data).not.toHaveProperty('command');
  });

  it('without a limit (classic queues) the header means nothing', () => {
    expect(new SmsCommandDeserializer().deserialize(stored, delivered(50))).toEqual(stored);
  });

  it('an unreadable command is unprocessable with its reason', () => {
    const event = new SmsCommandDeserializer(10).deserialize({ pattern: 'sms.other', data: { messageId } }, delivered());
    expect(event).toEqual({ pattern: SmsPattern.Unprocessable, data: { reason: expect.stringMatching(/unknown pattern "sms.other"/), pattern: 'sms.other' } });
    expect(new SmsCommandDeserializer(10).deserialize('text').data).toMatchObject({ reason: expect.stringMatching(/not a JSON object/) });
  });
});
