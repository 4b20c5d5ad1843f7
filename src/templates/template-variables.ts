import { registerDecorator, ValidationOptions } from 'class-validator';
import { DomainError } from '../common/domain-error';
import { PROTOTYPE_KEYS } from '../common/prototype-keys';

/** Values a template is rendered with: flat, so every {{name}} is one key. */
export type TemplateVariables = Record<string, string | number>;

/** Letters, digits and _ (not first a digit): a valid Handlebars id and a safe MongoDB key. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_VARIABLES = 50;
const MAX_VALUE_LENGTH = 1600;

/** Why `value` cannot be template variables, or undefined when it can. */
export function problemWithVariables(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object';
  const entries = Object.entries(value);
  if (entries.length > MAX_VARIABLES) return `may hold at most ${MAX_VARIABLES} variables`;
  for (const [key, item] of entries) {
    if (PROTOTYPE_KEYS.has(key)) return `name "${key}" is not accepted`;
    if (!VARIABLE_NAME.test(key)) return `name "${key}" may only use letters, digits and _ (not first a digit, 1-64 characters)`;
    const isText = typeof item === 'string' && item.length <= MAX_VALUE_LENGTH;
    if (!isText && !(typeof item === 'number' && Number.isFinite(item))) {
      return `value of "${key}" must be a string of at most ${MAX_VALUE_LENGTH} characters or a finite number`;
    }
  }
  return undefined;
}

/** For callers that did not come through a DTO (RabbitMQ producers): the same rule as a 400. */
export function assertTemplateVariables(value: unknown): asserts value is TemplateVariables {
  const problem = problemWithVariables(value);
  if (problem) throw new DomainError('invalid_template_variables', `variables ${problem}`, 400);
}

/** DTO decorator: `variables` of a send request. */
export function IsTemplateVariables(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTemplateVariables',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => problemWithVariables(value) === undefined,
        defaultMessage: (args) => `${args?.property} ${problemWithVariables(args?.value)}`,
      },
    });
}
