import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { timezones } from 'libphonenumber-geo-carrier';
import { zonesOf } from './recipient-zones';

describe('zonesOf', () => {
  it('maps numbers to their IANA zones', () => {
    expect(zonesOf('+5511987654321')).toEqual(['America/Sao_Paulo']);
    expect(zonesOf('+5592987654321')).toEqual(['America/Manaus']);
    expect(zonesOf('+14155550123')).toEqual(['America/Los_Angeles']);
    expect(zonesOf('+351912345678')).toEqual(['Atlantic/Azores', 'Europe/Lisbon']);
  });

  it("agrees with libphonenumber-geo-carrier's own timezones() on numbers across the world", async () => {
    const numbers = ['+5511987654321', '+5521987654321', '+12125550123', '+18005550123', '+447700900123', '+61412345678', '+4915112345678', '+819012345678', '+79123456789', '+2348031234567'];
    for (const number of numbers) {
      const theirs = (await timezones(parsePhoneNumberFromString(number))) ?? [];
      expect(zonesOf(number)).toEqual(theirs.filter((zone) => zone !== 'Etc/Unknown'));
    }
  });
});
