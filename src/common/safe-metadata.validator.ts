import { registerDecorator, ValidationOptions } from 'class-validator';
import { PROTOTYPE_KEYS } from './prototype-keys';

const MAX_KEYS = 20;
const MAX_VALUE_LENGTH = 500;

function problemWith(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object';
  const entries = Object.entries(value);
  if (entries.length > MAX_KEYS) return `may hold at most ${MAX_KEYS} keys`;
  for (const [key, item] of entries) {
    // MongoDB (and FerretDB even more strictly) cannot store keys that start with $ or contain a dot.
    if (PROTOTYPE_KEYS.has(key)) return `key "${key}" is not accepted`;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(key)) return `key "${key}" may only use letters, digits, _ and - (1-64 characters)`;
    if (typeof item !== 'string' || item.length > MAX_VALUE_LENGTH) {
      return `value of "${key}" must be a string of at most ${MAX_VALUE_LENGTH} characters`;
    }
  }
  return undefined;
}

/** A flat string→string map that is safe to store as-is. */
export function IsSafeMetadata(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSafeMetadata',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => problemWith(value) === undefined,
        defaultMessage: (args) => `${args?.property} ${problemWith(args?.value)}`,
      },
    });
}
