import type { NextFunction, Request, Response } from 'express';
import { problemWithVariables } from '../templates/template-variables';
import { refuseUnparsedBodies } from './http-input-guards';
import { createValidationPipe, validatePayload } from './validation';
import { IsSafeMetadata } from './safe-metadata.validator';

class WithMetadata {
  @IsSafeMetadata() metadata!: Record<string, string>;
}

describe('prototype keys, in HTTP input and RabbitMQ payloads alike', () => {
  const pipe = createValidationPipe();
  it.each([
    ['body', '{"__proto__":{"x":1}}'], ['body', '{"a":{"constructor":{"prototype":{}}}}'], ['body', '{"m":{"\\u0063onstructor":"y"}}'],
    ['query', '{"constructor":"y"}'],
  ] as const)('refuses a %s of %s naming the key', async (type, json) => {
    await expect(pipe.transform(JSON.parse(json), { type, metatype: Object })).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/key "(__proto__|constructor|prototype)" is not accepted/) });
  });

  it('lets the words through as values', async () => {
    await expect(pipe.transform({ body: 'the constructor of __proto__' }, { type: 'body', metatype: Object })).resolves.toEqual({ body: 'the constructor of __proto__' });
  });
});

describe('prototype keys in a free-form map', () => {
  it('are refused in RabbitMQ payloads, metadata and template variables', async () => {
    for (const metadata of [JSON.parse('{"__proto__":"x"}'), { constructor: 'y' }]) {
      await expect(validatePayload(WithMetadata, { metadata })).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/key "(__proto__|constructor)" is not accepted/) });
    }
    expect(problemWithVariables({ constructor: 'y' })).toBe('name "constructor" is not accepted');
  });
});

describe('refuseUnparsedBodies', () => {
  const run = (headers: Record<string, string>): unknown => {
    let passed: unknown = 'not called';
    refuseUnparsedBodies({ headers } as unknown as Request, {} as Response, ((error?: unknown) => void (passed = error)) as NextFunction);
    return passed;
  };

  it('passes JSON, forms and requests without a body', () => {
    expect(run({ 'content-type': 'application/json; charset=utf-8', 'content-length': '2' })).toBeUndefined();
    expect(run({ 'content-type': 'application/x-www-form-urlencoded', 'content-length': '2' })).toBeUndefined();
    expect(run({})).toBeUndefined();
  });

  it.each(['text/plain', 'application/xml', ''])('refuses a body of type %j with 415', (type) => {
    expect(run({ 'content-type': type, 'content-length': '5' })).toMatchObject({ status: 415 });
  });
});
