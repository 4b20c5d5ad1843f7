import { parseKeyword } from './inbound-keywords';

describe('parseKeyword', () => {
  it.each(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'])('reads %s as stop', (word) => {
    expect(parseKeyword(word)).toBe('stop');
  });

  it.each(['START', 'YES', 'UNSTOP'])('reads %s as start', (word) => {
    expect(parseKeyword(word)).toBe('start');
  });

  it.each(['HELP', 'INFO'])('reads %s as help', (word) => {
    expect(parseKeyword(word)).toBe('help');
  });

  it.each([' stop ', 'Stop', 'sToP\n', '\tunsubscribe  ', 'optout'])('ignores case and surrounding whitespace: %j', (body) => {
    expect(parseKeyword(body)).toBe('stop');
  });

  it.each(['', '   ', 'STOP.', 'stop please', 'please stop', 'STOP ALL', 'S TOP', 'hello', 'stopp', 'ÝES'])(
    'reads %j as an ordinary message',
    (body) => {
      expect(parseKeyword(body)).toBeNull();
    },
  );
});
