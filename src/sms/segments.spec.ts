import { SegmentedMessage } from 'sms-segments-calculator';
import { countSegments, smartEncode } from './segments';

const gsm = (length: number): string => 'a'.repeat(length);

describe('countSegments', () => {
  it.each([
    [1, 1],
    [160, 1],
    [161, 2],
    [306, 2], // 153 * 2: multipart segments lose 7 characters to the concatenation header
    [307, 3],
    [459, 3],
    [460, 4],
  ])('GSM-7 body of %i characters → %i segment(s)', (length, segments) => {
    expect(countSegments(gsm(length))).toEqual({ segments, encoding: 'GSM-7', characters: length });
  });

  it('treats an empty body as one (empty) segment', () => {
    expect(countSegments('')).toEqual({ segments: 1, encoding: 'GSM-7', characters: 0 });
  });

  it.each([
    ['€', 80, 1, 160],
    ['€', 81, 2, 162],
    ['{', 80, 1, 160],
    ['\\', 81, 2, 162],
  ])('counts the GSM extension character %p double (%i of them → %i segment(s))', (char, count, segments, characters) => {
    expect(countSegments(char.repeat(count))).toEqual({ segments, encoding: 'GSM-7', characters });
  });

  it('never splits an extension character across two segments', () => {
    // 306 septets would fit 2 × 153, but the € falls on the boundary and moves whole to segment 2.
    expect(countSegments(`${gsm(152)}€${gsm(152)}`)).toEqual({ segments: 3, encoding: 'GSM-7', characters: 306 });
    expect(countSegments(`${gsm(151)}€${gsm(153)}`)).toEqual({ segments: 2, encoding: 'GSM-7', characters: 306 });
  });

  it('switches to UCS-2 with 70 units in one segment and 67 per multipart segment', () => {
    // The emoji is a surrogate pair: 2 UCS-2 units.
    expect(countSegments(`😀${gsm(68)}`)).toEqual({ segments: 1, encoding: 'UCS-2', characters: 70 });
    expect(countSegments(`😀${gsm(69)}`)).toEqual({ segments: 2, encoding: 'UCS-2', characters: 71 });
    expect(countSegments(`😀${gsm(132)}`)).toEqual({ segments: 2, encoding: 'UCS-2', characters: 134 });
    expect(countSegments(`😀${gsm(133)}`)).toEqual({ segments: 3, encoding: 'UCS-2', characters: 135 });
  });

  it('counts 35 emoji as a full single UCS-2 segment and 36 as two', () => {
    expect(countSegments('😀'.repeat(35))).toEqual({ segments: 1, encoding: 'UCS-2', characters: 70 });
    expect(countSegments('😀'.repeat(36))).toEqual({ segments: 2, encoding: 'UCS-2', characters: 72 });
  });

  it('puts Portuguese accents outside GSM-7 (except the few GSM has), forcing UCS-2', () => {
    expect(countSegments('Olá, sua consulta está confirmada')).toEqual({ segments: 1, encoding: 'UCS-2', characters: 33 });
    expect(countSegments('ã'.repeat(71))).toEqual({ segments: 2, encoding: 'UCS-2', characters: 71 });
    expect(countSegments('Ç é à ü')).toEqual({ segments: 1, encoding: 'GSM-7', characters: 7 });
  });

  it('keeps a curly apostrophe as UCS-2 (no Smart Encoding)', () => {
    expect(countSegments('It’s ready').encoding).toBe('UCS-2');
  });

  it('agrees with Twilio\'s calculator on 1,200 random texts, GSM-7 basic, extended and beyond', () => {
    const basic = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
    const alphabets = [basic, `${basic}€{}[]~^|\\`, `${basic}ãõçê’😀`];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 1200; i += 1) {
      const alphabet = [...alphabets[i % 3]];
      const text = Array.from({ length: random(480) }, () => alphabet[random(alphabet.length)]).join('');
      const reference = new SegmentedMessage(text);
      expect(countSegments(text)).toEqual({
        segments: reference.segmentsCount, encoding: reference.encodingName,
        characters: reference.encodedChars.reduce((sum, char) => sum + char.codeUnits.length, 0),
      });
    }
  });
});

describe('smartEncode', () => {
  it("replaces look-alikes with Twilio's GSM-7 equivalents, and counts segments before and after", () => {
    const written = `It\u2019s \u201cready\u201d \u2014 see you\u2026 at\u00a010`;
    const encoded = smartEncode(written);
    // Twilio's table turns a non-breaking space into two spaces.
    expect(encoded.body).toBe('It\'s "ready" - see you... at  10');
    expect(encoded.replaced).toBe(6);
    expect(encoded.before).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(encoded.after).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('saves segments on a long text: 3 UCS-2 segments become 1 GSM-7 one', () => {
    const written = `${'Hello there, friend. '.repeat(7)}\u201cok\u201d`;
    const { before, after } = smartEncode(written);
    expect(before).toMatchObject({ encoding: 'UCS-2', segments: 3 });
    expect(after).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('never changes characters without a GSM-7 equivalent (emoji, CJK, accented letters outside GSM-7, zero-width space)', () => {
    const written = 'Olá 😀 你好 \u00e7 ok\u200b';
    const encoded = smartEncode(written);
    expect(encoded.body).toBe(written);
    expect(encoded.replaced).toBe(0);
    expect(encoded.after).toEqual(encoded.before);
  });
});
