import { Injectable, Logger, Optional } from '@nestjs/common';
import twilio, { Twilio } from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';
import RestException from 'twilio/lib/base/RestException';
import { AppConfig, TwilioSettings } from '../config/app-config';
import { SmsMetrics } from '../metrics/sms-metrics';
import { OutboundSms, ProviderReceipt, ProviderStatus, SmsProvider, SmsProviderError } from './sms-provider';
import { describeTwilioError } from './twilio-errors';
import { BaseUrlRequestClient } from './twilio-request-client';

/** Tolerated difference between our clock and Twilio's when matching an earlier send. */
const CLOCK_SKEW_MS = 2000;

function httpClientFor(settings: TwilioSettings): RequestClient {
  const options = { timeout: settings.timeoutMs };
  return settings.apiBaseUrl ? new BaseUrlRequestClient(settings.apiBaseUrl, options) : new RequestClient(options);
}

/** Twilio through its official SDK; one client per process, built from validated config. */
@Injectable()
export class TwilioProvider implements SmsProvider {
  private readonly logger = new Logger(TwilioProvider.name);
  private readonly client: Twilio;
  private readonly settings: TwilioSettings;

  constructor(config: AppConfig, @Optional() private readonly metrics?: SmsMetrics) {
    this.settings = config.twilio;
    this.client = twilio(this.settings.accountSid, this.settings.authToken, { httpClient: httpClientFor(this.settings) });
    if (this.settings.apiBaseUrl) {
      this.logger.warn(`SANDBOX MODE: Twilio calls go to ${this.settings.apiBaseUrl}; no real SMS leaves this machine`);
    }
  }

  async send(sms: OutboundSms): Promise<ProviderReceipt> {
    const sender = sms.from
      ? { from: sms.from }
      : this.settings.messagingServiceSid
        ? { messagingServiceSid: this.settings.messagingServiceSid }
        : { from: this.settings.phoneNumber };
    try {
      const validity = sms.validityPeriod === undefined ? {} : { validityPeriod: sms.validityPeriod };
      const creating = this.client.messages.create({ to: sms.to, body: sms.body, statusCallback: sms.statusCallback, ...validity, ...sender });
      this.metrics?.observeTwilioCall('messages.create', creating);
      const created = await creating;
      return { sid: created.sid, status: created.status };
    } catch (error) {
      throw toProviderError(error);
    }
  }

  async fetch(sid: string): Promise<ProviderStatus> {
    try {
      const message = await this.client.messages(sid).fetch();
      return { sid: message.sid, status: message.status, errorCode: message.errorCode, errorMessage: message.errorMessage };
    } catch (error) {
      throw toProviderError(error);
    }
  }

  async findSent(sms: Pick<OutboundSms, 'to' | 'body'>, since: Date): Promise<ProviderReceipt[]> {
    try {
      const recent = await this.client.messages.list({ to: sms.to, limit: 50 });
      // Twilio's dates have whole seconds: a copy made in the same second as `since` must count.
      const from = Math.floor(since.getTime() / 1000) * 1000 - CLOCK_SKEW_MS;
      return recent
        .filter((message) => message.body === sms.body && message.dateCreated.getTime() >= from)
        .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime())
        .map((message) => ({ sid: message.sid, status: message.status }));
    } catch (error) {
      throw toProviderError(error);
    }
  }
}

/** Twilio's answer keeps its code; anything that never got an answer (network, timeout) is transient. */
export function toProviderError(error: unknown): SmsProviderError {
  if (error instanceof RestException) {
    const info = describeTwilioError(error.code);
    const retryable = info.retryable || error.status >= 500;
    return new SmsProviderError(error.code, error.message, info.description, retryable);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SmsProviderError(undefined, message, `Twilio could not be reached: ${message}`, true);
}
