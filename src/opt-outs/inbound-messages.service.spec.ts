import { Logger } from '@nestjs/common';
import type { AuditEvent, AuditService } from '../audit/audit.service';
import type { AppConfig } from '../config/app-config';
import { InboundMessagesRepository, NewInboundMessage, RecordedInbound } from './inbound-messages.repository';
import { InboundMessagesService } from './inbound-messages.service';
import type { OptOutChange, OptOutsService } from './opt-outs.service';

/** In-memory stand-ins that behave like the real repository (dedupe on twilioSid) and blocklist. */
function fixture() {
  const stored = new Map<string, { id: string; handled: boolean }>();
  const repository = {
    record: async (message: NewInboundMessage): Promise<RecordedInbound> => {
      const seen = message.twilioSid ? stored.get(message.twilioSid) : undefined;
      if (seen) return { id: seen.id, firstDelivery: false, handled: seen.handled };
      const entry = { id: `id${stored.size}`, handled: false };
      stored.set(message.twilioSid ?? entry.id, entry);
      return { ...entry, firstDelivery: true };
    },
    markHandled: async (id: string) => {
      for (const entry of stored.values()) if (entry.id === id) entry.handled = true;
    },
  } as unknown as InboundMessagesRepository;
  const calls: Array<[string, string, OptOutChange]> = [];
  const optOuts = {
    block: async (phone: string, change: OptOutChange) => void calls.push(['block', phone, change]),
    unblock: async (phone: string, change: OptOutChange) => (calls.push(['unblock', phone, change]), true),
  } as unknown as OptOutsService;
  const audits: AuditEvent[] = [];
  const audit = { record: async (event: AuditEvent) => void audits.push(event) } as unknown as AuditService;
  const config = { smsHelpText: 'Help & more' } as AppConfig;
  return { service: new InboundMessagesService(repository, optOuts, audit, config), calls, audits, stored };
}

const sms = (body: string, twilioSid = `SM${body}`) => ({ from: '+5511987654321', to: '+15005550006', body, twilioSid });

describe('InboundMessagesService', () => {
  it('blocks on STOP with the keyword as reason, and audits the receipt', async () => {
    const { service, calls, audits } = fixture();
    await expect(service.receive(sms(' stop '))).resolves.toEqual({ keyword: 'stop', reply: undefined });
    expect(calls).toEqual([['block', '+5511987654321', { reason: 'texted "STOP"', source: 'keyword', actor: 'twilio', requestId: undefined }]]);
    expect(audits.map((event) => event.action)).toEqual(['inbound.received']);
    expect(audits[0].details).toMatchObject({ from: expect.not.stringContaining('98765'), keyword: 'stop' });
  });

  it('unblocks on START and answers HELP with the configured text', async () => {
    const { service, calls, audits } = fixture();
    await service.receive(sms('Yes'));
    await expect(service.receive(sms('info'))).resolves.toEqual({ keyword: 'help', reply: 'Help & more' });
    expect(calls.map(([what]) => what)).toEqual(['unblock']);
    expect(audits.map((event) => event.action)).toEqual(['inbound.received', 'inbound.received', 'inbound.help']);
  });

  it('only records an ordinary text', async () => {
    const { service, calls } = fixture();
    await expect(service.receive(sms('stop it please'))).resolves.toEqual({ keyword: null, reply: undefined });
    expect(calls).toEqual([]);
  });

  it('records and audits a redelivered webhook once and does not act on it again', async () => {
    const { service, calls, audits } = fixture();
    await service.receive(sms('STOP', 'SM1'));
    await service.receive(sms('STOP', 'SM1'));
    expect(calls).toHaveLength(1);
    expect(audits).toHaveLength(1);
  });

  it('acts on a redelivery whose first delivery failed before acting', async () => {
    const { service, calls, stored } = fixture();
    stored.set('SM2', { id: 'earlier', handled: false });
    await service.receive(sms('STOP', 'SM2'));
    expect(calls).toHaveLength(1);
    expect(stored.get('SM2')?.handled).toBe(true);
  });

  it('does not try to block a sender that is not an E.164 number, and says so in the log', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { service, calls } = fixture();
    await service.receive({ ...sms('STOP'), from: 'NotifyX' });
    expect(calls).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ keyword: 'stop' }), expect.stringMatching(/not an E.164 number/));
    warn.mockRestore();
  });

  it('refuses a webhook without From', async () => {
    const { service } = fixture();
    await expect(service.receive({ ...sms('STOP'), from: '' })).rejects.toMatchObject({ httpStatus: 400, code: 'invalid_inbound' });
  });
});
