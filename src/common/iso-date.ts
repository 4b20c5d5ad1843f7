import { Matches } from 'class-validator';

/** A date, or a date-time with its zone: a zone-less time would be read in the server's zone. */
const ISO_DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** A query's date bound, as text: `Date`'s own parser takes "-1" (the year 2001) and worse. */
export const IsIsoDateOrTime = (name: string): PropertyDecorator =>
  Matches(ISO_DATE_OR_TIME, { message: `${name} must be an ISO 8601 date (2025-01-31) or date-time with a zone (2025-01-31T12:00:00Z)` });
