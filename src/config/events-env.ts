import { Type } from 'class-transformer';
import { createHmac } from 'node:crypto';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Status events and webhooks (src/events/, src/webhook-endpoints/): their variables, validated with the rest. */
export class EventsEnvDto {
  @IsString() @Matches(/^[\w.:-]+$/, { message: 'EVENTS_EXCHANGE may hold letters, digits, . _ : -' })
  EVENTS_EXCHANGE = 'notifyx.events';

  /** How long a publisher waits to fill a batch of events before it publishes them. */
  @Type(() => Number) @IsInt() @Min(0) @Max(3_600_000)
  EVENTS_BATCH_LINGER_MS = 20;

  /** How often the relay looks for events whose publish was never confirmed (a process stopped, the broker was away). */
  @Type(() => Number) @IsInt() @Min(100)
  EVENTS_RELAY_INTERVAL_MS = 5000;

  /**
   * An event still unconfirmed this long after its change is the relay's to publish. Well above
   * how far a loaded process's publisher may lag: the relay is for processes that stopped, and
   * one that republishes what is still on its way adds load where there is too much already.
   */
  @Type(() => Number) @IsInt() @Min(100)
  EVENTS_RELAY_AFTER_MS = 60000;

  /** The webhook queue (its delay queues are named after it). Empty: `<EVENTS_EXCHANGE>.webhooks`. */
  @IsOptional() @IsString() @Matches(/^[\w.:-]*$/)
  WEBHOOK_QUEUE?: string;

  /** First retry delay of a failed webhook delivery; doubled per attempt up to WEBHOOK_RETRY_MAX_MS. */
  @Type(() => Number) @IsInt() @Min(10)
  WEBHOOK_RETRY_BASE_MS = 30000;

  @Type(() => Number) @IsInt() @Min(10)
  WEBHOOK_RETRY_MAX_MS = 3_600_000;

  /** Attempts per event and endpoint before it is given up (replayable by hand). */
  @Type(() => Number) @IsInt() @Min(1) @Max(30)
  WEBHOOK_MAX_ATTEMPTS = 12;

  /** An endpoint whose deliveries have all failed for this long is disabled. */
  @Type(() => Number) @IsInt() @Min(1000)
  WEBHOOK_DISABLE_AFTER_MS = 3 * 86_400_000;

  @Type(() => Number) @IsInt() @Min(100) @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 5000;

  /** Signs the posts to messages' `statusCallback` URLs (whsec_…). Empty: derived from TWILIO_AUTH_TOKEN (README). */
  @IsOptional() @IsString() @Matches(/^whsec_[A-Za-z0-9+/=]{24,}$/, { message: 'STATUS_CALLBACK_SECRET must be whsec_ and base64' })
  STATUS_CALLBACK_SECRET?: string;

  /** Deliveries in flight per process. */
  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  WEBHOOK_PREFETCH = 20;
}

export interface EventsSettings {
  exchange: string;
  batchLingerMs: number;
  relayIntervalMs: number;
  relayAfterMs: number;
}

export interface WebhookSettings {
  queue: string;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  disableAfterMs: number;
  timeoutMs: number;
  prefetch: number;
  /** Sandbox mode (TWILIO_SANDBOX=true): http and local addresses allowed as webhook URLs. */
  allowLocal: boolean;
  /** Signs status callbacks (per-message URLs). */
  callbackSecret: string;
}

export function eventsSettingsOf(env: EventsEnvDto): EventsSettings {
  return {
    exchange: env.EVENTS_EXCHANGE, batchLingerMs: env.EVENTS_BATCH_LINGER_MS,
    relayIntervalMs: env.EVENTS_RELAY_INTERVAL_MS, relayAfterMs: env.EVENTS_RELAY_AFTER_MS,
  };
}

/** The status-callback secret when none is set: `whsec_` + base64 of HMAC-SHA256(auth token, "notifyx status callbacks"). */
export function derivedCallbackSecret(authToken: string): string {
  return `whsec_${createHmac('sha256', authToken).update('notifyx status callbacks').digest('base64')}`;
}

export function webhookSettingsOf(env: EventsEnvDto & { TWILIO_SANDBOX: boolean; TWILIO_AUTH_TOKEN: string }): WebhookSettings {
  return {
    queue: env.WEBHOOK_QUEUE || `${env.EVENTS_EXCHANGE}.webhooks`, retryBaseMs: env.WEBHOOK_RETRY_BASE_MS, retryMaxMs: env.WEBHOOK_RETRY_MAX_MS,
    maxAttempts: env.WEBHOOK_MAX_ATTEMPTS, disableAfterMs: env.WEBHOOK_DISABLE_AFTER_MS, timeoutMs: env.WEBHOOK_TIMEOUT_MS, prefetch: env.WEBHOOK_PREFETCH,
    allowLocal: env.TWILIO_SANDBOX, callbackSecret: env.STATUS_CALLBACK_SECRET || derivedCallbackSecret(env.TWILIO_AUTH_TOKEN),
  };
}
