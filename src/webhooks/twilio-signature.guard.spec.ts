import { ExecutionContext } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { DomainError } from '../common/domain-error';
import type { AppConfig } from '../config/app-config';
import { TwilioSignatureGuard } from './twilio-signature.guard';
import type { WebhookRefusals } from './webhook-refusals';

/** Twilio's documented algorithm, written out independently of the SDK the guard uses. */
function sign(token: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params).sort().reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', token).update(Buffer.from(data, 'utf-8')).digest('base64');
}

describe('TwilioSignatureGuard', () => {
  const token = '12345';
  const recorded: string[] = [];
  const refusals = { record: (_request: unknown, reason: string) => void recorded.push(reason) } as unknown as WebhookRefusals;
  const guardWith = (authTokenSecondary?: string) =>
    new TwilioSignatureGuard({ publicBaseUrl: 'https://notifyx.example.com', twilio: { authToken: token, authTokenSecondary } } as AppConfig, refusals);
  const guard = guardWith();
  const params = { MessageSid: 'SM1234', MessageStatus: 'delivered', To: '+5511987654321' };
  const path = '/v1/webhooks/twilio/status?messageId=6650f1c2a1b2c3d4e5f60718';
  const url = `https://notifyx.example.com${path}`;

  function contextFor(signature: string | undefined, body = params): ExecutionContext {
    const request = {
      header: (name: string) => (name.toLowerCase() === 'x-twilio-signature' ? signature : undefined),
      originalUrl: path, path: '/v1/webhooks/twilio/status', body, ip: '127.0.0.1', id: 'req-1',
    };
    return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  }

  beforeEach(() => recorded.splice(0));

  it('accepts a signature over PUBLIC_BASE_URL + path + sorted params', () => {
    expect(guard.canActivate(contextFor(sign(token, url, params)))).toBe(true);
    expect(recorded).toHaveLength(0);
  });

  it.each([
    ['missing', undefined],
    ['signed with another token', sign('other', url, params)],
    ['signed for another host', sign(token, `https://evil.example.com${path}`, params)],
  ])('rejects a %s signature with 403 and counts the refusal', (_, signature) => {
    expect(() => guard.canActivate(contextFor(signature))).toThrow(expect.objectContaining({ httpStatus: 403, code: 'invalid_signature' }));
    expect(recorded).toEqual(['invalid_signature']);
  });

  it('rejects a valid signature replayed with altered fields', () => {
    const tampered = { ...params, MessageStatus: 'failed' };
    expect(() => guard.canActivate(contextFor(sign(token, url, params), tampered))).toThrow(DomainError);
  });

  describe('during a token rotation (TWILIO_AUTH_TOKEN_SECONDARY)', () => {
    const rotating = guardWith('67890');

    it('accepts a callback signed with either token', () => {
      expect(rotating.canActivate(contextFor(sign('67890', url, params)))).toBe(true);
      expect(rotating.canActivate(contextFor(sign(token, url, params)))).toBe(true);
    });

    it('refuses one signed with neither', () => {
      expect(() => rotating.canActivate(contextFor(sign('other', url, params)))).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
      expect(() => guard.canActivate(contextFor(sign('67890', url, params)))).toThrow(DomainError);
    });
  });
});
