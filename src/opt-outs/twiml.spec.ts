import { escapeXml, twimlResponse } from './twiml';

describe('TwiML', () => {
  it('answers nothing with an empty Response', () => {
    expect(twimlResponse()).toBe('<Response/>');
  });

  it('answers a reply as one Message', () => {
    expect(twimlResponse('Reply STOP to stop')).toBe('<Response><Message>Reply STOP to stop</Message></Response>');
  });

  it('escapes text that would otherwise break or inject XML', () => {
    expect(escapeXml(`Tom & Jerry <b>"hi"</b> it's`)).toBe('Tom &amp; Jerry &lt;b&gt;&quot;hi&quot;&lt;/b&gt; it&apos;s');
    expect(twimlResponse('</Message><Redirect>http://evil</Redirect>')).not.toContain('<Redirect>');
  });

  it('drops control characters XML 1.0 cannot carry, keeps newlines', () => {
    expect(escapeXml('a\u0000b\u0007c\nd')).toBe('abc\nd');
  });

  it('keeps non-ASCII text as it is (the document is UTF-8)', () => {
    expect(twimlResponse('Olá, responda PARAR')).toContain('<Message>Olá, responda PARAR</Message>');
  });
});
