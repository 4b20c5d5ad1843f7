/**
 * Twilio error catalogue: what an error code means for an operator and whether the worker
 * should retry. Titles follow twilio.com/docs/api/errors/<code>; descriptions are ours.
 */
export interface TwilioErrorInfo {
  code: number;
  title: string;
  description: string;
  retryable: boolean;
}

type Entry = [code: number, title: string, description: string, retryable: boolean];

/*
 * Retry policy. Retryable means "the same request can succeed later without anyone changing
 * anything": rate limiting (20429), Twilio-side failures (20500), a sender queue that was full
 * (21611 at the API, 30001 after queueing — same cause, so both retry) and 30008, which Twilio
 * itself suggests retrying.
 * 30010 is NOT retryable: the price is above the MaxPrice we sent, so resending the same request
 * fails the same way until someone changes MaxPrice. (Twilio retired MaxPrice in 2024, so the code
 * should no longer appear.)
 * 30003 (handset off or out of coverage) is often temporary, but the carrier has already held and
 * retried the message before reporting it, so an automatic resend mostly duplicates cost; it stays
 * permanent here and an operator can resend by hand.
 */
const ENTRIES: readonly Entry[] = [
  [20003, 'Permission Denied',
    'Twilio rejected our credentials. Check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or the API key), and that the account is not suspended.', false],
  [20404, 'Not Found',
    'The Twilio resource we asked for does not exist. Check the Account SID, Messaging Service SID or message SID in the request.', false],
  [20429, 'Too Many Requests',
    'Twilio is rate-limiting our API calls. The message will be retried with backoff; if this persists, slow down sending.', true],
  [20500, 'Internal Server Error',
    'Twilio had an internal error handling the request. The message will be retried; check status.twilio.com if it keeps happening.', true],
  [21211, "Invalid 'To' Phone Number",
    'Twilio does not consider the recipient number valid. Correct the number (E.164, with country code) before sending again.', false],
  [21212, "Invalid 'From' Phone Number",
    'The sender number is not a valid phone number or alphanumeric sender ID. Fix the configured From number.', false],
  [21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
    "The recipient's country is disabled in the account's SMS Geo Permissions. Enable it in the Twilio Console if sending there is intended.", false],
  [21602, 'Message body is required',
    'The message was sent without a body. The message content must not be empty.', false],
  [21603, "'From' phone number is required to send a Message",
    'No sender was given. Configure a From number or a Messaging Service SID.', false],
  [21604, "'To' phone number is required to send a Message",
    'No recipient number was given. The request must include the recipient.', false],
  [21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account",
    'The sender number does not belong to this Twilio account, cannot send SMS, or cannot send to this country. Use an SMS-capable number from this account.', false],
  [21608, "The 'To' phone number provided is not yet verified for this account",
    'The account is a trial account and can only text verified numbers. Verify the recipient in the Twilio Console or upgrade the account.', false],
  [21610, 'Attempt to send to unsubscribed recipient',
    'The recipient replied STOP to this sender. Do not resend; they must text START to opt back in.', false],
  [21611, "This 'From' number has exceeded the maximum number of queued messages",
    "The sender's Twilio queue is full (more than its send rate can drain in time). The message will be retried later; add senders or slow down if this repeats.", true],
  [21612, "Message cannot be sent with the current combination of 'To' and/or 'From' parameters",
    'Twilio cannot route from this sender to this recipient (e.g. unsupported carrier or sender type for the destination). Try a different sender for this country.', false],
  [21614, "'To' number is not a valid mobile number",
    'The recipient number cannot receive SMS, usually because it is a landline. Ask for a mobile number.', false],
  [21617, 'The concatenated message body exceeds the 1600 character limit',
    'The message is longer than Twilio accepts. Shorten it; emoji and other non-GSM characters use more space.', false],
  [30001, 'Queue overflow',
    'The message waited too long in the sender queue because we sent faster than the sender allows. It will be retried; add senders or slow down if this repeats.', true],
  [30002, 'Account suspended',
    'The Twilio account or sub-account is suspended, so nothing can be sent. Contact Twilio support or billing.', false],
  [30003, 'Unreachable destination handset',
    'The carrier could not reach the phone (switched off, out of coverage or unable to take SMS). Resend later by hand if the message still matters.', false],
  [30004, 'Message blocked',
    'The recipient or their carrier blocked this message (e.g. the user blocks SMS from this sender). Do not resend automatically.', false],
  [30005, 'Unknown destination handset',
    'The carrier says the number does not exist or is no longer in service. Remove or correct the number.', false],
  [30006, 'Landline or unreachable carrier',
    'The number is a landline or its carrier cannot receive this kind of message. Ask for a mobile number.', false],
  [30007, 'Message filtered',
    'Twilio or the carrier filtered the message as spam or a policy violation. Review the content and sender registration before sending more.', false],
  [30008, 'Unknown error',
    'Delivery failed without a specific reason from the carrier. The message will be retried; contact Twilio support if it keeps failing.', true],
  [30010, 'Message price exceeds max price',
    'The message cost more than the MaxPrice set on the request. Raise or remove MaxPrice; resending unchanged fails again.', false],
  [30034, 'US A2P 10DLC - Message from an Unregistered Number',
    'US carriers block messages from 10-digit numbers not registered to an approved A2P 10DLC campaign. Register the sender in the Twilio Console.', false],
];

export const TWILIO_ERRORS: ReadonlyMap<number, TwilioErrorInfo> = new Map(
  ENTRIES.map(([code, title, description, retryable]) => [code, { code, title, description, retryable }]),
);

/** Always answers, so callers can log and decide on retries without a lookup miss path. */
export function describeTwilioError(code: number | null | undefined): TwilioErrorInfo {
  const known = code == null ? undefined : TWILIO_ERRORS.get(code);
  if (known) return known;
  if (code == null) {
    // 0 is never a Twilio code, so it marks "no code given" without widening the type.
    return {
      code: 0,
      title: 'Unknown Twilio error',
      description: 'Twilio reported a failure without an error code. Check the message in the Twilio Console.',
      retryable: false,
    };
  }
  return {
    code,
    title: `Twilio error ${code}`,
    description: `Twilio error ${code} is not in our catalogue. See https://www.twilio.com/docs/api/errors/${code}.`,
    retryable: false,
  };
}

export function isRetryableTwilioError(code: number | null | undefined): boolean {
  return describeTwilioError(code).retryable;
}
