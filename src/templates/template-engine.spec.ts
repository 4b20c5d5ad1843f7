import { DomainError } from '../common/domain-error';
import { compileTemplate, InvalidTemplateError, MissingTemplateVariableError } from './template-engine';

function failure(attempt: () => unknown): DomainError {
  try {
    attempt();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a DomainError');
}

describe('compileTemplate', () => {
  describe('render', () => {
    it('fills in variables without HTML-escaping them', () => {
      const template = compileTemplate('Hi {{name}}, order {{{order}}} & co <ok>');
      expect(template.render({ name: 'Ana & "Bia"', order: '<42>' })).toBe('Hi Ana & "Bia", order <42> & co <ok>');
    });

    it('accepts numbers, zero included', () => {
      expect(compileTemplate('{{count}} items, {{zero}} left, {{price}}').render({ count: 3, zero: 0, price: 9.5 })).toBe(
        '3 items, 0 left, 9.5',
      );
    });

    it('ignores variables the body does not use', () => {
      expect(compileTemplate('Hello').render({ unused: 'x' })).toBe('Hello');
    });

    it('names a missing variable the way the API reports it', () => {
      const error = failure(() => compileTemplate('Hi {{name}}').render({}));
      expect(error).toBeInstanceOf(MissingTemplateVariableError);
      expect(error).toMatchObject({ code: 'missing_template_variable', httpStatus: 400, message: 'template variable "name" is missing' });
    });

    it('names every missing variable, once each, in order of use', () => {
      const error = failure(() => compileTemplate('{{a}} {{b}} {{a}} {{c}}').render({ b: 'x' }));
      expect(error.message).toBe('template variables "a", "c" are missing');
      expect(error.details).toEqual({ missing: ['a', 'c'] });
    });

    it('treats names inherited from Object.prototype as missing, not as empty', () => {
      expect(failure(() => compileTemplate('{{constructor}}{{toString}}').render({})).message).toBe(
        'template variables "constructor", "toString" are missing',
      );
    });

    it('only requires the variables of the branch taken', () => {
      const template = compileTemplate('{{#if coupon}}Use {{coupon}}{{else}}Hi {{name}}{{/if}}{{#unless vip}}!{{/unless}}');
      expect(template.render({ name: 'Ana' })).toBe('Hi Ana!');
      expect(template.render({ coupon: 'SAVE10', vip: 1 })).toBe('Use SAVE10');
      expect(failure(() => template.render({ coupon: '' })).message).toBe('template variable "name" is missing');
    });

    it.each([
      [[], /must be an object/],
      [{ name: { nested: true } }, /value of "name" must be a string/],
      [{ name: null }, /value of "name"/],
      [{ n: Number.NaN }, /finite number/],
      [{ 'a.b': 'x' }, /name "a.b" may only use/],
      [{ $where: 'x' }, /name "\$where" may only use/],
    ])('refuses variables %j', (values, message) => {
      const error = failure(() => compileTemplate('x').render(values as never));
      expect(error).toMatchObject({ code: 'invalid_template_variables', httpStatus: 400 });
      expect(error.message).toMatch(message);
    });
  });

  it('lists the variables a body uses, conditions included', () => {
    expect(compileTemplate('{{#if vip}}{{a}}{{else}}{{b}}{{/if}} {{a}} {{{c}}}').variables).toEqual(['vip', 'a', 'b', 'c']);
  });

  describe('refuses at compile time', () => {
    it('a body Handlebars cannot parse, with its reason on one line', () => {
      const error = failure(() => compileTemplate('Hi {{name'));
      expect(error).toBeInstanceOf(InvalidTemplateError);
      expect(error).toMatchObject({ code: 'invalid_template', httpStatus: 400 });
      expect(error.message).toMatch(/^body is not a valid template: Parse error on line 1 near .*Expecting 'ID'/);
      expect(error.message).not.toContain('\n');
    });

    it.each([
      ['{{#if a}}x{{/unless}}', /if doesn't match unless/],
      ['{{user.name}}', /"user.name" is not a variable name/],
      ['{{this}}', /"this" is not a variable name/],
      ['{{../x}}', /"..\/x" is not a variable name/],
      ['{{@index}}', /"@index" is not a variable name/],
      ['{{"text"}}', /"text" is not a variable name/],
      ['{{each}}', /"each" is not a variable name/],
      ['{{upper name}}', /helpers are not supported/],
      ['{{#each items}}{{this}}{{/each}}', /{{#each}} is not supported/],
      ['{{#with user}}{{name}}{{/with}}', /{{#with}} is not supported/],
      ['{{#if a b}}x{{/if}}', /takes exactly one variable/],
      ['{{#if (eq a b)}}x{{/if}}', /a sub-expression is not a variable name/],
      ['{{> footer}}', /partials/],
      ['x\n  {{a.b}}', /line 2, column 3/],
    ])('%j', (body, message) => {
      const error = failure(() => compileTemplate(body));
      expect(error).toMatchObject({ code: 'invalid_template', httpStatus: 400 });
      expect(error.message).toMatch(message);
    });
  });
});
