import { ExecutionContext } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import type { AppConfig } from '../config/app-config';
import { TwilioSignatureGuard } from './twilio-signature.guard';

/** Twilio's documented algorithm, written out independently of the SDK the guard uses. */
function sign(token: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params).sort().reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', token).update(Buffer.from(data, 'utf-8')).digest('base64');
}

describe('TwilioSignatureGuard', () => {
  const token = '12345';
  const config = { publicBaseUrl: 'https://notifyx.example.com', twilio: { authToken: token } } as AppConfig;
  const recorded: unknown[] = [];
  const audit = { record: async (event: unknown) => void recorded.push(event) } as unknown as AuditService;
  const guard = new TwilioSignatureGuard(config, audit);
  const params = { MessageSid: 'SM1234', MessageStatus: 'delivered', To: '+5511987654321' };
  const path = '/v1/webhooks/twilio/status?messageId=6650f1c2a1b2c3d4e5f60718';

  function contextFor(signature: string | undefined, body = params): ExecutionContext {
    const request = {
      header: (name: string) => (name.toLowerCase() === 'x-twilio-signature' ? signature : undefined),
      originalUrl: path, path: '/v1/webhooks/twilio/status', body, ip: '127.0.0.1', id: 'req-1',
    };
    return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  }

  beforeEach(() => recorded.splice(0));

  it('accepts a signature over PUBLIC_BASE_URL + path + sorted params', async () => {
    const signature = sign(token, `https://notifyx.example.com${path}`, params);
    await expect(guard.canActivate(contextFor(signature))).resolves.toBe(true);
    expect(recorded).toHaveLength(0);
  });

  it.each([
    ['missing', undefined],
    ['signed with another token', sign('other', `https://notifyx.example.com${path}`, params)],
    ['signed for another host', sign(token, `https://evil.example.com${path}`, params)],
  ])('rejects a %s signature with 403 and audits the attempt', async (_, signature) => {
    await expect(guard.canActivate(contextFor(signature))).rejects.toMatchObject({ httpStatus: 403, code: 'invalid_signature' });
    expect(recorded).toEqual([expect.objectContaining({ action: 'webhook.signature_rejected', actor: 'twilio' })]);
  });

  it('rejects a valid signature replayed with altered fields', async () => {
    const signature = sign(token, `https://notifyx.example.com${path}`, params);
    const tampered = { ...params, MessageStatus: 'failed' };
    await expect(guard.canActivate(contextFor(signature, tampered))).rejects.toBeInstanceOf(DomainError);
  });
});
