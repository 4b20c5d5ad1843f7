import { InvalidPhoneNumberError } from '../common/domain-error';
import { type CountryCode, isCountryCode, maskPhone, phoneCountry, toE164 } from './phone';

function rejection(input: string, country: CountryCode): InvalidPhoneNumberError {
  try {
    toE164(input, country);
  } catch (error) {
    if (error instanceof InvalidPhoneNumberError) return error;
    throw error;
  }
  throw new Error(`expected "${input}" to be rejected`);
}

describe('toE164', () => {
  it.each([
    '11987654321',
    '(11) 98765-4321',
    '  11 98765 4321  ',
    '011 98765-4321', // national trunk prefix 0
    '+55 11 98765-4321',
    '5511987654321', // country code typed without the +
  ])('reads %p in the default country BR', (input) => {
    expect(toE164(input, 'BR')).toBe('+5511987654321');
  });

  it.each<[string, CountryCode, string]>([
    ['+1 415 555 2671', 'BR', '+14155552671'],
    ['+44 20 7946 0958', 'BR', '+442079460958'],
    ['+55 11 98765-4321', 'US', '+5511987654321'],
    ['0044 20 7946 0958', 'BR', '+442079460958'],
    ['00 1 415 555 2671', 'BR', '+14155552671'],
    ['0044 20 7946 0958', 'US', '+442079460958'],
    ['0044 20 7946 0958', 'DE', '+442079460958'],
    ['011 44 20 7946 0958', 'US', '+442079460958'],
    ['0021 44 20 7946 0958', 'BR', '+442079460958'], // BR international prefix with carrier code 21
  ])('keeps the country of international %p (default %s)', (input, country, expected) => {
    expect(toE164(input, country)).toBe(expected);
  });

  it('reads national numbers of other default countries', () => {
    expect(toE164('(415) 555-2671', 'US')).toBe('+14155552671');
    expect(toE164('020 7946 0958', 'GB')).toBe('+442079460958');
  });

  it.each(['+15005550001', '+15005550002', '+15005550003', '+15005550004', '+15005550005',
    '+15005550006', '+15005550007', '+15005550008', '+15005550009'])(
    'accepts Twilio test number %s as a valid US number',
    (magic) => {
      expect(toE164(magic, 'BR')).toBe(magic);
      expect(toE164(magic.slice(2), 'US')).toBe(magic);
    },
  );

  it.each<[string, CountryCode, string]>([
    ['abc', 'BR', 'not a number'],
    ['', 'BR', 'not a number'],
    ['call 11987654321 now', 'BR', 'not a number'],
    ['+999 123 456 789', 'BR', 'invalid country calling code'],
    ['123', 'BR', 'too short'],
    ['+5511', 'BR', 'too short'],
    ['1198765432112345', 'BR', 'too long'],
    ['+55 11 98765 4321 0000 0000 0000', 'BR', 'too long'],
    ['11 88765-4321', 'BR', 'not a valid number for BR'], // BR mobiles start with 9
    ['+1 200 555 0123', 'BR', 'not a valid number for country calling code +1'],
    ['+5511987654321 ext. 12', 'BR', 'has an extension, which cannot receive SMS'],
    ['0099 123', 'BR', 'invalid country calling code'],
  ])('rejects %p (default %s): %s', (input, country, reason) => {
    const error = rejection(input, country);
    expect(error.code).toBe('invalid_phone_number');
    expect(error.httpStatus).toBe(400);
    expect(error.message).toBe(`"${input}" is not a valid phone number: ${reason}`);
  });
});

describe('maskPhone', () => {
  it.each([
    ['+5511987654321', '+55119****4321'],
    ['+14155552671', '+141****2671'],
    ['+15005550006', '+150****0006'],
    ['+442079460958', '+4420****0958'],
    ['+33612345678', '+3361***5678'],
    ['+3225', '+32*5'],
  ])('masks %s as %s', (e164, masked) => {
    expect(maskPhone(e164)).toBe(masked);
  });

  it('treats all digits as subscriber digits when the calling code is unknown', () => {
    expect(maskPhone('+999123')).toBe('+**9123');
  });

  it('hides every digit of input that is not E.164', () => {
    expect(maskPhone('11 98765-4321')).toBe('** *****-****');
    expect(maskPhone('')).toBe('');
  });

  it('keeps the length and always hides at least a third of the national digits', () => {
    for (let length = 1; length <= 14; length += 1) {
      const e164 = `+55${'7'.repeat(length)}`;
      const masked = maskPhone(e164);
      expect(masked).toHaveLength(e164.length);
      expect(masked.split('*').length - 1).toBeGreaterThanOrEqual(Math.ceil(length / 3));
    }
  });
});

describe('phoneCountry', () => {
  it.each<[string, CountryCode | undefined]>([
    ['+5511987654321', 'BR'],
    ['+14155552671', 'US'],
    ['+15005550006', 'US'],
    ['+442079460958', 'GB'],
    ['+33612345678', 'FR'],
    ['+12005550123', undefined], // unassigned +1 area code: no single country
    ['+999123456789', undefined],
    ['11987654321', undefined],
    ['', undefined],
  ])('%p → %p', (e164, country) => {
    expect(phoneCountry(e164)).toBe(country);
  });
});

describe('isCountryCode', () => {
  it.each([['BR', true], ['US', true], ['GB', true], ['br', false], ['XX', false], ['BRA', false], ['', false]])(
    '%p → %p',
    (value, expected) => {
      expect(isCountryCode(value)).toBe(expected);
    },
  );
});
