/**
 * Twilio's REST error catalogue as far as the sandbox needs it. Messages follow what the live API
 * answers, because callers sometimes log or match them; the numeric code is the contract.
 */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
  detail?: string;
}

export class TwilioApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus = 400,
    readonly detail?: string,
  ) {
    super(message);
  }

  toBody(): TwilioErrorBody {
    const body: TwilioErrorBody = {
      code: this.code,
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.code}`,
      status: this.httpStatus,
    };
    if (this.detail) body.detail = this.detail;
    return body;
  }
}

export const authenticateError = (): TwilioApiError =>
  new TwilioApiError(20003, 'Authenticate', 401, 'Your AccountSid or AuthToken was incorrect.');

export const notFoundError = (path: string): TwilioApiError =>
  new TwilioApiError(20404, `The requested resource ${path} was not found`, 404);

export const internalError = (): TwilioApiError =>
  new TwilioApiError(20500, 'Internal Server Error', 500);

export const tooManyRequestsError = (): TwilioApiError =>
  new TwilioApiError(20429, 'Too Many Requests', 429);

/** Asynchronous delivery failures are reported in callbacks and on the resource, not as HTTP errors. */
export const DELIVERY_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  30001: 'Queue overflow',
  30002: 'Account suspended',
  30003: 'Unreachable destination handset',
  30004: 'Message blocked',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered',
  30008: 'Unknown error',
};

export function deliveryErrorMessage(code: number): string {
  return DELIVERY_ERROR_MESSAGES[code] ?? 'Message delivery failed';
}

/**
 * Twilio's test-credential magic numbers: deterministic ways to provoke errors that otherwise
 * depend on carrier state, so callers can test their error handling.
 */
const MAGIC_TO: Readonly<Record<string, (to: string, from: string) => TwilioApiError>> = {
  '+15005550001': (to) => new TwilioApiError(21211, `The 'To' number ${to} is not a valid phone number.`),
  '+15005550002': (to, from) =>
    new TwilioApiError(
      21612,
      `The 'To' phone number: ${to}, is not currently reachable using the 'From' phone number: ${from} via SMS.`,
    ),
  '+15005550003': (to) =>
    new TwilioApiError(
      21408,
      `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.`,
    ),
  '+15005550004': () => new TwilioApiError(21610, 'Attempt to send to unsubscribed recipient'),
  '+15005550009': (to) => new TwilioApiError(21614, `To number: ${to}, is not a mobile number`),
};

const MAGIC_FROM: Readonly<Record<string, (from: string) => TwilioApiError>> = {
  '+15005550001': (from) =>
    new TwilioApiError(
      21212,
      `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
    ),
  '+15005550007': () =>
    new TwilioApiError(
      21606,
      "The 'From' phone number provided is not a valid, message-capable Twilio phone number for this destination.",
    ),
  '+15005550008': () =>
    new TwilioApiError(21611, "This 'From' number has exceeded the maximum number of queued messages"),
};

export function magicToError(to: string, from: string | null): TwilioApiError | undefined {
  return MAGIC_TO[to]?.(to, from ?? '');
}

export function magicFromError(from: string | null): TwilioApiError | undefined {
  return from === null ? undefined : MAGIC_FROM[from]?.(from);
}
