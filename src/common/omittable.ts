import { ValidateIf, ValidationOptions } from 'class-validator';

/**
 * The field may be left out, but not sent as null. class-validator's IsOptional() skips null too,
 * so `"sendAt": null` or `"locale": null` reached the services as values and failed there (500).
 * Fields where null means something (PATCH's `locale: null` removes it) keep IsOptional().
 */
export const IsOmittable = (options?: ValidationOptions): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined, options);
