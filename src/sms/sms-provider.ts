import { DomainError } from '../common/domain-error';

/** DI token for the provider: TwilioProvider in every environment, a double in unit tests. */
export const SMS_PROVIDER = Symbol('SMS_PROVIDER');

export interface OutboundSms {
  to: string;
  /** null: the provider's default sender (TWILIO_PHONE_NUMBER or the messaging service). */
  from: string | null;
  body: string;
  statusCallback: string;
  /** Seconds Twilio may keep it queued (its ValidityPeriod): what is left of the message's time. */
  validityPeriod?: number;
}

export interface ProviderReceipt {
  sid: string;
  status: string;
}

export interface SmsProvider {
  send(sms: OutboundSms): Promise<ProviderReceipt>;
  /**
   * The provider's copies of this text to this number since `since`, earliest first: how a send
   * whose answer was lost (timeout, worker killed) is settled without sending it twice.
   */
  findSent(sms: Pick<OutboundSms, 'to' | 'body'>, since: Date): Promise<ProviderReceipt[]>;
  /** The provider's current view of a message it took: how a lost status callback is made up for. */
  fetch(sid: string): Promise<ProviderStatus>;
}

export interface ProviderStatus extends ProviderReceipt {
  errorCode: number | null;
  errorMessage: string | null;
}

/** A send the provider refused or that never reached it; `retryable` says which kind. */
export class SmsProviderError extends DomainError {
  constructor(
    readonly providerCode: number | undefined,
    message: string,
    readonly description: string,
    readonly retryable: boolean,
  ) {
    super('provider_error', message, 502);
  }
}
