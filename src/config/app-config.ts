import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { CountryCode } from 'libphonenumber-js';
import { EnvDto } from './env.validation';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  phoneNumber?: string;
  messagingServiceSid?: string;
  /** Set only for the sandbox or tests: the SDK is pointed here instead of api.twilio.com. */
  apiBaseUrl?: string;
  timeoutMs: number;
}

export interface RabbitSettings {
  url: string;
  queue: string;
  deadLetterQueue: string;
  prefetch: number;
}

/** The one typed door to configuration; nothing else reads process.env. */
@Injectable()
export class AppConfig {
  constructor(private readonly config: ConfigService<EnvDto, true>) {}

  private get<K extends keyof EnvDto>(key: K): EnvDto[K] {
    return this.config.get(key, { infer: true });
  }

  get port(): number {
    return this.get('PORT');
  }

  /** What Twilio calls back, and therefore what webhook signatures are computed against. */
  get publicBaseUrl(): string {
    const explicit = this.get('PUBLIC_BASE_URL');
    return (explicit ?? `http://127.0.0.1:${this.port}`).replace(/\/+$/, '');
  }

  get mongodbUri(): string {
    return this.get('MONGODB_URI');
  }

  get rabbit(): RabbitSettings {
    const queue = this.get('RABBITMQ_SMS_QUEUE');
    return {
      url: this.get('RABBITMQ_URL'),
      queue,
      deadLetterQueue: `${queue}.dead`,
      prefetch: this.get('SMS_PREFETCH'),
    };
  }

  get twilio(): TwilioSettings {
    return {
      accountSid: this.get('TWILIO_ACCOUNT_SID'),
      authToken: this.get('TWILIO_AUTH_TOKEN'),
      phoneNumber: this.get('TWILIO_PHONE_NUMBER'),
      messagingServiceSid: this.get('TWILIO_MESSAGING_SERVICE_SID'),
      apiBaseUrl: this.get('TWILIO_API_BASE_URL'),
      timeoutMs: this.get('TWILIO_TIMEOUT_MS'),
    };
  }

  get defaultCountry(): CountryCode {
    return this.get('DEFAULT_COUNTRY') as CountryCode;
  }

  get apiKeys(): string[] {
    return this.get('API_KEYS');
  }

  get throttle(): { ttlMs: number; limit: number } {
    return { ttlMs: this.get('THROTTLE_TTL_MS'), limit: this.get('THROTTLE_LIMIT') };
  }

  get logLevel(): string {
    return this.get('LOG_LEVEL');
  }
}
