import { DomainError } from '../common/domain-error';

/**
 * A send the policy refuses. At the API it is the answer (nothing is stored); for a producer's
 * command the message is stored `blocked` with `code: message` as the reason.
 */
export class PolicyRefusal extends DomainError {}

export class CountryNotAllowedError extends PolicyRefusal {
  constructor(country: string) {
    super('country_not_allowed', `sending to ${country} is not allowed (ALLOWED_COUNTRIES)`, 422, { country });
  }
}

export class NumberTypeNotAllowedError extends PolicyRefusal {
  constructor(type: string) {
    super('number_type_not_allowed', `the number is a ${type} number, which may not receive SMS here (ALLOWED_NUMBER_TYPES)`, 422, { numberType: type });
  }
}

export class RecipientLimitReachedError extends PolicyRefusal {
  constructor(limit: number, retryAfterSeconds: number) {
    super('recipient_limit_reached', `this number already got ${limit} messages this hour (RECIPIENT_HOURLY_LIMIT)`, 429, {
      limit, retryAfterSeconds,
    });
  }
}

export class DailySegmentCapReachedError extends PolicyRefusal {
  constructor(cap: number, retryAfterSeconds: number) {
    super('daily_segment_cap_reached', `the daily cap of ${cap} SMS segments is reached (DAILY_SEGMENT_CAP)`, 429, {
      cap, retryAfterSeconds,
    });
  }
}
