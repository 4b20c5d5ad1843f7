import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
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

const urlOptions = { require_tld: false, require_protocol: true };

/** Every variable the app reads, validated once at start-up. */
export class EnvDto {
  @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  PORT = 3000;

  @IsOptional() @IsUrl(urlOptions)
  PUBLIC_BASE_URL?: string;

  @Matches(/^mongodb(\+srv)?:\/\//, { message: 'MONGODB_URI must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URI!: string;

  @Matches(/^amqps?:\/\//, { message: 'RABBITMQ_URL must be an amqp:// or amqps:// URL' })
  RABBITMQ_URL!: string;

  @IsString() @Matches(/^[\w.:-]+$/, { message: 'RABBITMQ_SMS_QUEUE may hold letters, digits, . _ : -' })
  RABBITMQ_SMS_QUEUE = 'notifyx.sms';

  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  SMS_PREFETCH = 10;

  @Matches(/^AC[0-9a-fA-F]{32}$/, { message: 'TWILIO_ACCOUNT_SID must be "AC" followed by 32 hex digits' })
  TWILIO_ACCOUNT_SID!: string;

  @IsString() @IsNotEmpty({ message: 'TWILIO_AUTH_TOKEN must be set' })
  TWILIO_AUTH_TOKEN!: string;

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

  @Transform(({ value }) => String(value).toUpperCase())
  @Matches(/^[A-Z]{2}$/, { message: 'DEFAULT_COUNTRY must be an ISO 3166-1 alpha-2 code such as BR' })
  DEFAULT_COUNTRY = 'BR';

  @Transform(({ value }) => String(value).split(',').map((key) => key.trim()).filter(Boolean))
  @IsString({ each: true }) @IsNotEmpty({ message: 'API_KEYS must list at least one key' })
  API_KEYS!: string[];

  @Type(() => Number) @IsInt() @Min(1) @Max(20)
  SMS_MAX_ATTEMPTS = 5;

  @Type(() => Number) @IsInt() @Min(10)
  SMS_RETRY_BASE_MS = 2000;

  @Type(() => Number) @IsInt() @Min(10)
  SMS_RETRY_MAX_MS = 300000;

  @Type(() => Number) @IsInt() @Min(50)
  OUTBOX_RELAY_INTERVAL_MS = 1000;

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

  @IsOptional() @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Lets several deployments (or test files) share one Redis without sharing counters. */
  @Matches(/^[\w.:-]{1,64}$/, { message: 'REDIS_KEY_PREFIX may hold 1-64 letters, digits, . _ : -' })
  REDIS_KEY_PREFIX = 'notifyx:';

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'HTTP_BODY_LIMIT must be a size such as 256kb or 1mb' })
  HTTP_BODY_LIMIT = '256kb';

  @IsOptional()
  @Transform(({ value }) => String(value).split(',').map((origin) => origin.trim().replace(/\/+$/, '')).filter(Boolean))
  @Matches(/^https?:\/\/[^/\s]+$/, { each: true, message: 'CORS_ORIGINS must list origins such as https://app.example.com' })
  CORS_ORIGINS?: string[];

  /** Sent back (TwiML) to anyone who texts HELP or INFO to our number. */
  @IsString() @Matches(/^[\s\S]{1,1600}$/, { message: 'SMS_HELP_TEXT must be 1-1600 characters' })
  SMS_HELP_TEXT = 'NotifyX: reply STOP to unsubscribe, START to resubscribe.';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';
}

/** Used by ConfigModule.forRoot({ validate }): stops the start with the names of bad variables. */
export function validateEnv(raw: Record<string, unknown>): EnvDto {
  const present = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
  const env = plainToInstance(EnvDto, present, { exposeDefaultValues: true });
  const problems = validateSync(env, { skipMissingProperties: false }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((text) => `${error.property}: ${text}`),
  );
  if (!isSupportedCountry(env.DEFAULT_COUNTRY)) {
    problems.push(`DEFAULT_COUNTRY: "${env.DEFAULT_COUNTRY}" is not a supported ISO 3166-1 alpha-2 code`);
  }
  if (problems.length > 0) {
    throw new Error(`Invalid environment:\n  - ${problems.join('\n  - ')}`);
  }
  return env;
}
