import {
  type CountryCode,
  isSupportedCountry,
  ParseError,
  parsePhoneNumberFromString,
  parsePhoneNumberWithError,
  type PhoneNumber,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';

import { InvalidPhoneNumberError } from '../common/domain-error';

// The default ('min') metadata only checks lengths and broad prefixes, so it calls e.g. a Brazilian
// mobile without the leading 9 valid; 'max' checks real number ranges. Size is irrelevant server-side.

export type { CountryCode } from 'libphonenumber-js/max';

/** libphonenumber-js error codes (ParseError.message / validatePhoneNumberLength) → operator-readable reason. */
const PARSE_REASONS: Readonly<Record<string, string>> = {
  NOT_A_NUMBER: 'not a number',
  INVALID_COUNTRY: 'invalid country calling code',
  TOO_SHORT: 'too short',
  TOO_LONG: 'too long',
  INVALID_LENGTH: 'invalid length',
};

/**
 * Normalises user input to E.164. Numbers without an international prefix are read in
 * `defaultCountry`; `+CC…` and `00CC…` keep their own country. Only numbers libphonenumber-js
 * considers valid pass, so a typo'd number fails here instead of costing a Twilio request.
 */
export function toE164(input: string, defaultCountry: CountryCode): string {
  const phone = parseInternationalAware(input, defaultCountry);
  if (phone.ext) {
    // Dropping the extension would silently text the main line instead.
    throw new InvalidPhoneNumberError(input, 'has an extension, which cannot receive SMS');
  }
  if (!phone.isValid()) {
    throw new InvalidPhoneNumberError(input, invalidReason(phone));
  }
  return phone.number;
}

/**
 * Tries the default country's own dialling rules first, then `00…` as `+…`.
 * The fallback exists because libphonenumber-js only honours the country's real international
 * prefix: for BR that is `00` + a two-digit carrier code, so `0044 20 7946 0958` would otherwise be
 * read as a Brazilian national number, and in the US (`011`) a `00` prefix is meaningless.
 */
function parseInternationalAware(input: string, defaultCountry: CountryCode): PhoneNumber {
  const text = input.trim();
  if (text.startsWith('00')) {
    const national = parsePhoneNumberFromString(text, { defaultCountry, extract: false });
    if (national?.isValid()) return national;
    // Failures are explained in the international reading: that is what a 00 usually means.
    return parseStrict(input, `+${text.slice(2)}`, defaultCountry);
  }
  return parseStrict(input, text, defaultCountry);
}

function parseStrict(input: string, text: string, defaultCountry: CountryCode): PhoneNumber {
  try {
    // extract: false rejects "call 11987654321 now" instead of fishing a number out of the text.
    return parsePhoneNumberWithError(text, { defaultCountry, extract: false });
  } catch (error) {
    if (error instanceof ParseError) {
      throw new InvalidPhoneNumberError(input, PARSE_REASONS[error.message] ?? 'not a phone number');
    }
    throw error;
  }
}

/** Parses fine but is not a real number: say whether the length or the digits are wrong. */
function invalidReason(phone: PhoneNumber): string {
  const lengthProblem = validatePhoneNumberLength(phone.number);
  if (lengthProblem) return PARSE_REASONS[lengthProblem] ?? 'invalid length';
  const where = phone.country ?? `country calling code +${phone.countryCallingCode}`;
  return `not a valid number for ${where}`;
}

/**
 * Masks a phone number for logs: country code, the first digits of the national number and the
 * last four stay readable (enough to tell numbers apart while debugging), the rest becomes `*`.
 * At least a third of the national digits are always hidden, so short numbers still leak little.
 */
export function maskPhone(e164: string): string {
  if (!/^\+\d+$/.test(e164)) {
    // Not E.164: we cannot tell the country code from the subscriber, so hide every digit.
    return e164.replace(/\d/g, '*');
  }
  const callingCode = parsePhoneNumberFromString(e164)?.countryCallingCode ?? '';
  const national = e164.slice(1 + callingCode.length);
  const hidden = Math.max(1, Math.ceil(national.length / 3));
  const tail = Math.max(0, Math.min(4, national.length - hidden));
  const head = Math.max(0, Math.min(3, national.length - hidden - tail));
  const masked = '*'.repeat(national.length - head - tail);
  return `+${callingCode}${national.slice(0, head)}${masked}${national.slice(national.length - tail)}`;
}

/**
 * The ISO country of an E.164 number, or undefined when it is not E.164 or the calling code is
 * shared and the digits do not pin one country down (e.g. an unassigned +1 area code).
 */
export function phoneCountry(e164: string): CountryCode | undefined {
  if (!e164.startsWith('+')) return undefined;
  return parsePhoneNumberFromString(e164)?.country;
}

/** True for ISO 3166-1 alpha-2 codes libphonenumber-js has metadata for. Case-sensitive: 'br' is false. */
export function isCountryCode(value: string): value is CountryCode {
  return isSupportedCountry(value);
}
