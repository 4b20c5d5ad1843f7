import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DomainError } from './domain-error';
import { findPrototypeKey } from './prototype-keys';

const options = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };

export class ValidationFailedError extends DomainError {
  constructor(readonly problems: string[]) {
    super('validation_failed', problems.join('; '), 400, { errors: problems });
  }
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) =>
      text.startsWith(error.property) ? text.replace(error.property, path) : `${path}: ${text}`,
    );
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/**
 * A "__proto__", "constructor" or "prototype" key (JSON, form or query, at any depth) is a probe.
 * class-transformer drops the first silently (a PATCH answered 200 for a body it never read) and
 * throws a TypeError on `constructor` inside a map (a 500), so such keys are refused by name first.
 */
function refusePrototypeKeys(value: unknown): void {
  const key = findPrototypeKey(value);
  if (key) throw new ValidationFailedError([`key "${key}" is not accepted`]);
}

class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') refusePrototypeKeys(value);
    return super.transform(value, metadata);
  }
}

/** The pipe HTTP input goes through; its errors are the same DomainError the consumer raises. */
export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    ...options,
    transform: true,
    exceptionFactory: (errors) => new ValidationFailedError(flatten(errors)),
  });
}

/** Validates a RabbitMQ payload exactly like HTTP input, for handlers that ack or nack themselves. */
export async function validatePayload<T extends object>(type: new () => T, payload: unknown): Promise<T> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ValidationFailedError(['payload must be a JSON object']);
  }
  refusePrototypeKeys(payload);
  const instance = plainToInstance(type, payload);
  const errors = await validate(instance, options);
  if (errors.length > 0) {
    throw new ValidationFailedError(flatten(errors));
  }
  return instance;
}
