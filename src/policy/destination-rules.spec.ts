import { destinationOf, destinationRefusal } from './destination-rules';

type Rules = Parameters<typeof destinationRefusal>[1];

const strict: Rules = { allowedCountries: ['BR'], allowedNumberTypes: ['MOBILE', 'FIXED_LINE_OR_MOBILE'] };

function refusalCode(e164: string, rules: Rules = strict): string | undefined {
  return destinationRefusal(destinationOf(e164), rules)?.code;
}

describe('destination rules', () => {
  it('knows country and type from the full metadata', () => {
    expect(destinationOf('+5511987654321')).toEqual({ country: 'BR', type: 'MOBILE' });
    expect(destinationOf('+559003001234')).toEqual({ country: 'BR', type: 'PREMIUM_RATE' });
    expect(destinationOf('+14155552671')).toEqual({ country: 'US', type: 'FIXED_LINE_OR_MOBILE' });
  });

  it('lets mobiles of allowed countries through', () => {
    expect(refusalCode('+5511987654321')).toBeUndefined();
  });

  it('refuses other countries, unless every country is allowed', () => {
    expect(refusalCode('+33612345678')).toBe('country_not_allowed');
    expect(refusalCode('+33612345678', { ...strict, allowedCountries: '*' as never })).toBeUndefined();
  });

  it('refuses premium-rate, toll-free and fixed-line numbers', () => {
    expect(refusalCode('+559003001234')).toBe('number_type_not_allowed');
    expect(refusalCode('+5508001234567')).toBe('number_type_not_allowed');
    expect(refusalCode('+551130001234')).toBe('number_type_not_allowed');
  });

  it("refuses personal numbers (UK 070 ranges, Twilio's magic test numbers) unless listed", () => {
    const anywhere: Rules = { ...strict, allowedCountries: '*' };
    expect(refusalCode('+447012345678', anywhere)).toBe('number_type_not_allowed');
    expect(refusalCode('+15005550006', anywhere)).toBe('number_type_not_allowed');
    const withPersonal: Rules = { allowedCountries: '*', allowedNumberTypes: ['MOBILE', 'FIXED_LINE_OR_MOBILE', 'PERSONAL_NUMBER'] };
    expect(refusalCode('+15005550006', withPersonal)).toBeUndefined();
  });

  it('checks the country before the type, and names both in the refusal', () => {
    const refusal = destinationRefusal(destinationOf('+448712345678'), strict);
    expect(refusal).toMatchObject({ code: 'country_not_allowed', httpStatus: 422, details: { country: 'GB' } });
    expect(destinationRefusal(destinationOf('+559003001234'), strict)).toMatchObject({ details: { numberType: 'PREMIUM_RATE' } });
  });
});
