import { type CountryCode, toE164 } from '../sms/phone';

const E164 = /^\+[1-9]\d{6,14}$/;

export function isE164(value: string): boolean {
  return E164.test(value);
}

/**
 * The form a number is listed under. E.164 is taken as-is: it comes from Twilio (an inbound
 * From) or from our own store, and a STOP must never be lost because the phone library finds
 * the number implausible. Anything else is read like any API input, in the default country.
 */
export function listedForm(input: string, defaultCountry: CountryCode): string {
  const text = input.trim();
  return isE164(text) ? text : toE164(text, defaultCountry);
}
