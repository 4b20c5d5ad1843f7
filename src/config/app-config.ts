import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { CountryCode } from 'libphonenumber-js';
import { parseTrustProxy } from './deployment-safety';
import { parseQuietHours, QuietHours } from '../send-timing/quiet-hours';
import { EnvDto, NUMBER_TYPES, type RabbitQueueType } from './env.validation';
import { EventsSettings, eventsSettingsOf, WebhookSettings, webhookSettingsOf } from './events-env';

export type NumberType = (typeof NUMBER_TYPES)[number];

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  /** Accepted on webhook signatures next to authToken while the token is rotated. */
  authTokenSecondary?: string;
  phoneNumber?: string;
  messagingServiceSid?: string;
  /** Set only for the sandbox or tests: the SDK is pointed here instead of api.twilio.com. */
  apiBaseUrl?: string;
  timeoutMs: number;
}

export interface RabbitSettings {
  /** The nodes of one broker or cluster; connections go to the first that answers and fail over to the next. */
  urls: string[];
  queue: string;
  deadLetterQueue: string;
  prefetch: number;
  /** How the SMS queues are declared (src/queue/sms-topology.ts). */
  queueType: RabbitQueueType;
}

export interface ThrottleSettings {
  /** The sustained window. */
  ttlMs: number;
  limit: number;
  /** A short window that stops bursts the sustained one would still allow. */
  burst: { ttlMs: number; limit: number };
}

export interface HttpSettings {
  bodyLimit: string;
  /** The bulk route's own limit: its body holds up to 10,000 recipients. */
  bulkBodyLimit: string;
  /** Undefined: no CORS headers at all, so browsers on other origins cannot call the API. */
  corsOrigins?: string[];
}

export interface MetricsSettings {
  /** When set, `Authorization: Bearer <token>` opens /metrics. */
  token?: string;
  workerPort?: number;
  workerHost: string;
}

export interface SendPolicySettings {
  allowedCountries: CountryCode[] | '*';
  /** libphonenumber-js types; a number whose type is not listed is refused. */
  allowedNumberTypes: NumberType[] | '*';
  /** 0: no limit. */
  recipientHourlyLimit: number;
  /** 0: no cap. */
  dailySegmentCap: number;
}

/** The one typed door to configuration; nothing else reads process.env. */
@Injectable()
export class AppConfig {
  constructor(private readonly config: ConfigService<EnvDto, true>) {}

  /**
   * The validated value. An empty variable (`NAME=` in .env) counts as unset: validation skips
   * it, but ConfigService would fall back to the raw '' from process.env, so that is undone here.
   */
  private get<K extends keyof EnvDto>(key: K): EnvDto[K] {
    const value = this.config.get(key, { infer: true });
    return (value === '' ? new EnvDto()[key] : value) as EnvDto[K];
  }

  /** Every validated value by name, for settings built in their own file (events-env.ts). */
  private get env(): EnvDto {
    return new Proxy({} as EnvDto, { get: (_target, key) => this.get(key as keyof EnvDto) });
  }

  get port(): number {
    return this.get('PORT');
  }

  /** The API's listen address (loopback unless HOST says otherwise). */
  get host(): string {
    return this.get('HOST');
  }

  /** Express's `trust proxy` (validated at start-up): false, a hop count or the proxies' addresses. */
  get trustProxy(): false | number | string[] {
    const parsed = parseTrustProxy(this.get('TRUST_PROXY'));
    return parsed instanceof Error ? false : parsed;
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
      urls: this.get('RABBITMQ_URL'),
      queue,
      deadLetterQueue: `${queue}.dead`,
      prefetch: this.get('SMS_PREFETCH'),
      queueType: this.get('RABBITMQ_QUEUE_TYPE'),
    };
  }

  get twilio(): TwilioSettings {
    return {
      accountSid: this.get('TWILIO_ACCOUNT_SID'),
      authToken: this.get('TWILIO_AUTH_TOKEN'),
      authTokenSecondary: this.get('TWILIO_AUTH_TOKEN_SECONDARY'),
      phoneNumber: this.get('TWILIO_PHONE_NUMBER'),
      messagingServiceSid: this.get('TWILIO_MESSAGING_SERVICE_SID'),
      apiBaseUrl: this.get('TWILIO_API_BASE_URL'),
      timeoutMs: this.get('TWILIO_TIMEOUT_MS'),
    };
  }

  /** Transient failures are retried through RabbitMQ delay queues with exponential backoff. */
  get retry(): { maxAttempts: number; baseMs: number; maxMs: number } {
    return { maxAttempts: this.get('SMS_MAX_ATTEMPTS'), baseMs: this.get('SMS_RETRY_BASE_MS'), maxMs: this.get('SMS_RETRY_MAX_MS') };
  }

  /** Failures (not domain errors, not the store being unreachable) after which a command is parked. */
  get maxCommandFailures(): number {
    return this.get('SMS_MAX_COMMAND_FAILURES');
  }

  get events(): EventsSettings {
    return eventsSettingsOf(this.env);
  }

  get webhooks(): WebhookSettings {
    return webhookSettingsOf(this.env);
  }

  get outboxRelayIntervalMs(): number {
    return this.get('OUTBOX_RELAY_INTERVAL_MS');
  }

  get bulkResumeAfterMs(): number {
    return this.get('BULK_RESUME_AFTER_MS');
  }

  /** The worker's reconciliation of messages whose final status callback never arrived. */
  get reconcile(): { intervalMs: number; afterMs: number; batchSize: number } {
    return {
      intervalMs: this.get('RECONCILE_INTERVAL_MS'),
      afterMs: this.get('RECONCILE_AFTER_MS'),
      batchSize: this.get('RECONCILE_BATCH_SIZE'),
    };
  }

  get idempotencyTtlMs(): number {
    return this.get('IDEMPOTENCY_TTL_HOURS') * 3_600_000;
  }

  /** How long a stopping worker waits for its sends in flight. */
  get shutdownGraceMs(): number {
    return this.get('SHUTDOWN_GRACE_MS');
  }

  get defaultCountry(): CountryCode {
    return this.get('DEFAULT_COUNTRY') as CountryCode;
  }

  /** Whether sends that do not say are smart-encoded (src/sms/segments.ts). */
  get smartEncoding(): boolean {
    return this.get('SMART_ENCODING');
  }

  /** Quiet hours for sends that do not say (src/send-timing/quiet-hours.ts); undefined: none. */
  get quietHoursDefault(): QuietHours | undefined {
    const text = this.get('QUIET_HOURS_DEFAULT');
    return text ? parseQuietHours(text) : undefined;
  }

  /** Outbound pace per sender; 0 = no cap. */
  get pace(): { maxMps: number } {
    return { maxMps: this.get('TWILIO_MAX_MPS') };
  }

  /** SMS-pumping and cost defences, checked once when a message comes in. */
  get sendPolicy(): SendPolicySettings {
    const listed = this.get('ALLOWED_COUNTRIES');
    const countries = Array.isArray(listed) && listed.length > 0 ? listed : [this.defaultCountry];
    const types = this.get('ALLOWED_NUMBER_TYPES');
    return {
      allowedCountries: countries.includes('*') ? '*' : (countries as CountryCode[]),
      allowedNumberTypes: types.includes('*') ? '*' : (types as NumberType[]),
      recipientHourlyLimit: this.get('RECIPIENT_HOURLY_LIMIT'),
      dailySegmentCap: this.get('DAILY_SEGMENT_CAP'),
    };
  }

  get apiKeys(): string[] {
    return this.get('API_KEYS');
  }

  get throttle(): ThrottleSettings {
    return {
      ttlMs: this.get('THROTTLE_TTL_MS'),
      limit: this.get('THROTTLE_LIMIT'),
      burst: { ttlMs: this.get('THROTTLE_BURST_TTL_MS'), limit: this.get('THROTTLE_BURST_LIMIT') },
    };
  }

  /** Twilio webhooks: requests per source address and route per window, before the signature check. */
  get webhookThrottle(): { ttlMs: number; limit: number } {
    return { ttlMs: this.get('WEBHOOK_THROTTLE_TTL_MS'), limit: this.get('WEBHOOK_THROTTLE_LIMIT') };
  }

  /** Optional; when set, every API instance counts rate limits in this one Redis. */
  get redis(): { url?: string; keyPrefix: string } {
    return { url: this.get('REDIS_URL'), keyPrefix: this.get('REDIS_KEY_PREFIX') };
  }

  get http(): HttpSettings {
    const origins = this.get('CORS_ORIGINS') ?? [];
    return { bodyLimit: this.get('HTTP_BODY_LIMIT'), bulkBodyLimit: this.get('HTTP_BULK_BODY_LIMIT'), corsOrigins: origins.length > 0 ? origins : undefined };
  }

  /** The reply to an inbound HELP/INFO. */
  get smsHelpText(): string {
    return this.get('SMS_HELP_TEXT');
  }

  get logLevel(): string {
    return this.get('LOG_LEVEL');
  }

  /** Prometheus metrics: the scrape token, and where the worker serves its own (no port: not served). */
  get metrics(): MetricsSettings {
    return { token: this.get('METRICS_TOKEN'), workerPort: this.get('WORKER_METRICS_PORT'), workerHost: this.get('WORKER_METRICS_HOST') };
  }
}
