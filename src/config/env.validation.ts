import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { isSupportedCountry } from 'libphonenumber-js';
import { deploymentProblems } from './deployment-safety';
import { EventsEnvDto } from './events-env';

/** libphonenumber-js's number types (PhoneNumber.getType()). */
export const NUMBER_TYPES = [
  'MOBILE', 'FIXED_LINE_OR_MOBILE', 'FIXED_LINE', 'VOIP', 'PERSONAL_NUMBER', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST',
  'PAGER', 'UAN', 'VOICEMAIL',
] as const;

export const RABBITMQ_QUEUE_TYPES = ['classic', 'quorum'] as const;
export type RabbitQueueType = (typeof RABBITMQ_QUEUE_TYPES)[number];

const urlOptions = { require_tld: false, require_protocol: true };

/** Every variable the app reads, validated once at start-up. */
export class EnvDto extends EventsEnvDto {
  @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  PORT = 3000;

  /** Where the API listens; loopback unless the operator says otherwise (README: exposing the API). */
  @Matches(/^[A-Za-z0-9.:-]+$/, { message: 'HOST must be an address to listen on, such as 127.0.0.1 or 0.0.0.0' })
  HOST = '127.0.0.1';

  /** Express's `trust proxy`: the proxies whose X-Forwarded-For names the client (limits, audit). */
  @IsOptional() @IsString()
  TRUST_PROXY?: string;

  @IsOptional() @IsUrl(urlOptions)
  PUBLIC_BASE_URL?: string;

  @Matches(/^mongodb(\+srv)?:\/\//, { message: 'MONGODB_URI must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URI!: string;

  /** One broker, or several nodes of one cluster comma-separated: connections fail over between them. */
  @Transform(({ value }) => String(value).split(',').map((url) => url.trim()).filter(Boolean))
  @Matches(/^amqps?:\/\/\S+$/, { each: true, message: 'RABBITMQ_URL must be an amqp:// or amqps:// URL, or several comma-separated' })
  @ArrayNotEmpty({ message: 'RABBITMQ_URL must be set' })
  RABBITMQ_URL!: string[];

  /** `quorum` on a RabbitMQ cluster (replicated queues); `classic` on a single broker. */
  @IsIn(RABBITMQ_QUEUE_TYPES, { message: `RABBITMQ_QUEUE_TYPE must be one of ${RABBITMQ_QUEUE_TYPES.join(', ')}` })
  RABBITMQ_QUEUE_TYPE: RabbitQueueType = 'classic';

  @IsString() @Matches(/^[\w.:-]+$/, { message: 'RABBITMQ_SMS_QUEUE may hold letters, digits, . _ : -' })
  RABBITMQ_SMS_QUEUE = 'notifyx.sms';

  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  SMS_PREFETCH = 20;

  @Matches(/^AC[0-9a-fA-F]{32}$/, { message: 'TWILIO_ACCOUNT_SID must be "AC" followed by 32 hex digits' })
  TWILIO_ACCOUNT_SID!: string;

  @IsString() @IsNotEmpty({ message: 'TWILIO_AUTH_TOKEN must be set' })
  TWILIO_AUTH_TOKEN!: string;

  /** Also accepted on webhook signatures while the auth token is rotated (README: rotating the token). */
  @IsOptional() @IsString()
  TWILIO_AUTH_TOKEN_SECONDARY?: string;

  /** Explicitly the bundled sandbox: the only case where TWILIO_API_BASE_URL and the safety checks' exemptions apply. */
  @Transform(({ value }) => ({ true: true, false: false })[String(value).toLowerCase()] ?? value)
  @IsBoolean({ message: 'TWILIO_SANDBOX must be true or false' })
  TWILIO_SANDBOX = false;

  @ValidateIf((env: EnvDto) => !env.TWILIO_MESSAGING_SERVICE_SID || env.TWILIO_PHONE_NUMBER !== undefined)
  @Matches(/^\+[1-9]\d{6,14}$/, {
    message: 'TWILIO_PHONE_NUMBER must be an E.164 number (or set TWILIO_MESSAGING_SERVICE_SID)',
  })
  TWILIO_PHONE_NUMBER?: string;

  @IsOptional() @Matches(/^MG[0-9a-fA-F]{32}$/, { message: 'TWILIO_MESSAGING_SERVICE_SID must be "MG" followed by 32 hex digits' })
  TWILIO_MESSAGING_SERVICE_SID?: string;

  @IsOptional() @IsUrl(urlOptions)
  TWILIO_API_BASE_URL?: string;

  @Type(() => Number) @IsInt() @Min(100) @Max(120000)
  TWILIO_TIMEOUT_MS = 15000;

  /** Sends per second per sender (Twilio's MPS), shared by every worker through Redis; 0 = no cap. */
  @Type(() => Number) @IsNumber({}, { message: 'TWILIO_MAX_MPS must be a number of messages per second (0 = no cap)' }) @Min(0) @Max(10000)
  TWILIO_MAX_MPS = 0;

  /** Default for sends that do not say: replace Unicode look-alikes with GSM-7 equivalents before counting and sending. */
  @Transform(({ value }) => ({ true: true, false: false })[String(value).toLowerCase()] ?? value)
  @IsBoolean({ message: 'SMART_ENCODING must be true or false' })
  SMART_ENCODING = false;

  /** Quiet hours for sends that do not say, "21:00-08:00" in each recipient's local time; unset: none. */
  @Matches(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, { message: 'QUIET_HOURS_DEFAULT must be HH:MM-HH:MM, e.g. 21:00-08:00 (or unset)' })
  @ValidateIf((env: EnvDto) => env.QUIET_HOURS_DEFAULT !== undefined && env.QUIET_HOURS_DEFAULT !== '')
  QUIET_HOURS_DEFAULT?: string;

  @Transform(({ value }) => String(value).toUpperCase())
  @Matches(/^[A-Z]{2}$/, { message: 'DEFAULT_COUNTRY must be an ISO 3166-1 alpha-2 code such as BR' })
  DEFAULT_COUNTRY = 'BR';

  /** Destination countries (ISO codes) or `*`; unset: DEFAULT_COUNTRY only. */
  @IsOptional()
  @Transform(({ value }) => String(value).split(',').map((code) => code.trim().toUpperCase()).filter(Boolean))
  @Matches(/^([A-Z]{2}|\*)$/, { each: true, message: 'ALLOWED_COUNTRIES must list ISO 3166-1 alpha-2 codes such as BR,PT, or be *' })
  ALLOWED_COUNTRIES?: string[];

  /** Number types (libphonenumber-js names) that may receive SMS, or `*`. */
  @Transform(({ value }) => (Array.isArray(value) ? value : String(value).split(',')).map((type: string) => type.trim().toUpperCase()).filter(Boolean))
  @IsIn([...NUMBER_TYPES, '*'], { each: true, message: `ALLOWED_NUMBER_TYPES must list some of ${NUMBER_TYPES.join(', ')}, or be *` })
  ALLOWED_NUMBER_TYPES: string[] = ['MOBILE', 'FIXED_LINE_OR_MOBILE'];

  /** At most this many messages to one number per clock hour; 0 = no limit. */
  @Type(() => Number) @IsInt() @Min(0)
  RECIPIENT_HOURLY_LIMIT = 10;

  /** At most this many SMS segments accepted per UTC day; 0 = no cap. */
  @Type(() => Number) @IsInt() @Min(0)
  DAILY_SEGMENT_CAP = 0;

  @Transform(({ value }) => String(value).split(',').map((key) => key.trim()).filter(Boolean))
  @IsString({ each: true }) @IsNotEmpty({ message: 'API_KEYS must list at least one key' })
  API_KEYS!: string[];

  @Type(() => Number) @IsInt() @Min(1) @Max(20)
  SMS_MAX_ATTEMPTS = 5;

  @Type(() => Number) @IsInt() @Min(10)
  SMS_RETRY_BASE_MS = 2000;

  @Type(() => Number) @IsInt() @Min(10)
  SMS_RETRY_MAX_MS = 300000;

  /** A command whose handling fails this many times for a reason that is not a domain error is parked. */
  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  SMS_MAX_COMMAND_FAILURES = 10;

  @Type(() => Number) @IsInt() @Min(50)
  OUTBOX_RELAY_INTERVAL_MS = 1000;

  /** A bulk send's part not yet written out this long after acceptance is taken up by any API (its own one stopped). */
  @Type(() => Number) @IsInt() @Min(1000)
  BULK_RESUME_AFTER_MS = 60000;

  /** How often a worker asks Twilio about messages whose status callbacks never came. */
  @Type(() => Number) @IsInt() @Min(100)
  RECONCILE_INTERVAL_MS = 60000;

  /** How long a message may sit in `sent` (or `sending` with a SID) before Twilio is asked about it. */
  @Type(() => Number) @IsInt() @Min(100)
  RECONCILE_AFTER_MS = 900000;

  /** Twilio fetches per reconciliation run, so a backlog cannot flood Twilio's API in one go. */
  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  RECONCILE_BATCH_SIZE = 100;

  @Type(() => Number) @IsInt() @Min(24)
  IDEMPOTENCY_TTL_HOURS = 24;

  @Type(() => Number) @IsInt() @Min(0)
  SHUTDOWN_GRACE_MS = 30000;

  @Type(() => Number) @IsInt() @Min(1000)
  THROTTLE_TTL_MS = 60000;

  @Type(() => Number) @IsInt() @Min(1)
  THROTTLE_LIMIT = 120;

  @Type(() => Number) @IsInt() @Min(100)
  THROTTLE_BURST_TTL_MS = 1000;

  @Type(() => Number) @IsInt() @Min(1)
  THROTTLE_BURST_LIMIT = 20;

  /** Twilio webhooks, per source address and route, counted before the signature check. */
  @Type(() => Number) @IsInt() @Min(1)
  WEBHOOK_THROTTLE_LIMIT = 100;

  @Type(() => Number) @IsInt() @Min(100)
  WEBHOOK_THROTTLE_TTL_MS = 1000;

  @IsOptional() @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Lets several deployments (or test files) share one Redis without sharing counters. */
  @Matches(/^[\w.:-]{1,64}$/, { message: 'REDIS_KEY_PREFIX may hold 1-64 letters, digits, . _ : -' })
  REDIS_KEY_PREFIX = 'notifyx:';

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'HTTP_BODY_LIMIT must be a size such as 256kb or 1mb' })
  HTTP_BODY_LIMIT = '256kb';

  /** POST /v1/messages/bulk alone: 10,000 recipients with a few template variables each. */
  @Matches(/^\d+(b|kb|mb)$/i, { message: 'HTTP_BULK_BODY_LIMIT must be a size such as 4mb' })
  HTTP_BULK_BODY_LIMIT = '4mb';

  @IsOptional()
  @Transform(({ value }) => String(value).split(',').map((origin) => origin.trim().replace(/\/+$/, '')).filter(Boolean))
  @Matches(/^https?:\/\/[^/\s]+$/, { each: true, message: 'CORS_ORIGINS must list origins such as https://app.example.com' })
  CORS_ORIGINS?: string[];

  /** Sent back (TwiML) to anyone who texts HELP or INFO to our number. */
  @IsString() @Matches(/^[\s\S]{1,1600}$/, { message: 'SMS_HELP_TEXT must be 1-1600 characters' })
  SMS_HELP_TEXT = 'NotifyX: reply STOP to unsubscribe, START to resubscribe.';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Bearer token Prometheus sends to /metrics (API and worker); admin API keys work on the API too. */
  @IsOptional() @Matches(/^[\x21-\x7e]{16,256}$/, { message: 'METRICS_TOKEN must be 16-256 printable characters without spaces' })
  METRICS_TOKEN?: string;

  /** The worker has no HTTP server; when set, it serves GET /metrics on this port. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  WORKER_METRICS_PORT?: number;

  @IsString() @IsNotEmpty()
  WORKER_METRICS_HOST = '127.0.0.1';
}

/** Used by ConfigModule.forRoot({ validate }): stops the start with the names of bad variables. */
export function validateEnv(raw: Record<string, unknown>): EnvDto {
  const present = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
  const env = plainToInstance(EnvDto, present, { exposeDefaultValues: true });
  const problems = validateSync(env, { skipMissingProperties: false }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((text) => `${error.property}: ${text}`),
  );
  for (const code of env.ALLOWED_COUNTRIES ?? []) {
    if (code !== '*' && !isSupportedCountry(code)) problems.push(`ALLOWED_COUNTRIES: "${code}" is not a supported ISO 3166-1 alpha-2 code`);
  }
  const [quietStart, quietEnd] = (env.QUIET_HOURS_DEFAULT ?? '').split('-');
  if (quietStart && quietStart === quietEnd) problems.push('QUIET_HOURS_DEFAULT: start and end must differ');
  if (!isSupportedCountry(env.DEFAULT_COUNTRY)) {
    problems.push(`DEFAULT_COUNTRY: "${env.DEFAULT_COUNTRY}" is not a supported ISO 3166-1 alpha-2 code`);
  }
  problems.push(...deploymentProblems(env));
  if (problems.length > 0) {
    throw new Error(`Invalid environment:\n  - ${problems.join('\n  - ')}`);
  }
  return env;
}
