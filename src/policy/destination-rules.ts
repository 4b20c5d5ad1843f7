import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { SendPolicySettings } from '../config/app-config';
import { CountryNotAllowedError, NumberTypeNotAllowedError, PolicyRefusal } from './policy-refusals';

export interface Destination {
  /** Undefined when the calling code is shared and the digits do not pin one country down. */
  country?: string;
  /** libphonenumber-js's type from its full ('max') metadata, e.g. MOBILE or PREMIUM_RATE. */
  type?: string;
}

/** Country and number type of an E.164 number, as libphonenumber-js's full metadata knows them. */
export function destinationOf(e164: string): Destination {
  const phone = parsePhoneNumberFromString(e164);
  return { country: phone?.country, type: phone?.getType() };
}

/**
 * Where a message may go. A country we cannot tell is refused unless every country is allowed,
 * and so is a type we cannot tell unless every type is: an allow-list only counts what it knows.
 */
export function destinationRefusal(destination: Destination, rules: Pick<SendPolicySettings, 'allowedCountries' | 'allowedNumberTypes'>): PolicyRefusal | null {
  const { country, type } = destination;
  if (rules.allowedCountries !== '*' && !(country && (rules.allowedCountries as string[]).includes(country))) {
    return new CountryNotAllowedError(country ?? 'an unidentified country');
  }
  if (rules.allowedNumberTypes !== '*' && !(type && (rules.allowedNumberTypes as string[]).includes(type))) {
    return new NumberTypeNotAllowedError(type ?? 'unknown type');
  }
  return null;
}
