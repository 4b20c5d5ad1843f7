import { ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DomainError } from './domain-error';

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

/** The pipe HTTP input goes through; its errors are the same DomainError the consumer raises. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
  const instance = plainToInstance(type, payload);
  const errors = await validate(instance, options);
  if (errors.length > 0) {
    throw new ValidationFailedError(flatten(errors));
  }
  return instance;
}
