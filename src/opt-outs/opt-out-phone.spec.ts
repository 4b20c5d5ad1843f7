import { isE164, listedForm } from './opt-out-phone';

describe('listedForm', () => {
  it('reads national numbers in the default country', () => {
    expect(listedForm('(11) 98765-4321', 'BR')).toBe('+5511987654321');
    expect(listedForm(' +55 11 98765-4321 ', 'BR')).toBe('+5511987654321');
  });

  it('takes E.164 as given, so a STOP from any number Twilio reports is honoured', () => {
    expect(listedForm('+15005550006', 'BR')).toBe('+15005550006');
    expect(listedForm('+999123456789', 'BR')).toBe('+999123456789');
  });

  it('refuses what is not a phone number', () => {
    expect(() => listedForm('hello', 'BR')).toThrow(/not a valid phone number/);
  });
});

describe('isE164', () => {
  it.each([['+5511987654321', true], ['5511987654321', false], ['+0123456789', false], ['12345', false], ['NotifyX', false]])(
    '%s → %s',
    (value, expected) => {
      expect(isE164(value)).toBe(expected);
    },
  );
});
