import { createHmac } from 'node:crypto';

/**
 * X-Twilio-Signature as Twilio computes it for form-encoded webhooks: HMAC-SHA1 keyed with the
 * auth token over the exact URL followed by every POST parameter as name+value, names sorted.
 * Written here with node:crypto rather than borrowed from the SDK so that specs validating with
 * the SDK's `validateRequest` are an independent cross-check.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  // Plain code-unit sort, the same ordering Twilio and its SDKs use (uppercase before lowercase).
  const payload = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(payload, 'utf-8')).digest('base64');
}
