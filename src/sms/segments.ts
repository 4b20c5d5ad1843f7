import { SegmentedMessage } from 'sms-segments-calculator';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  segments: number;
  encoding: SmsEncoding;
  /**
   * Encoding units the body occupies, comparable to the 160/153 (GSM-7) and 70/67 (UCS-2) limits:
   * GSM extension characters (€ { } [ ] ~ ^ | \) count 2 in GSM-7, and characters outside the
   * Basic Multilingual Plane (most emoji) count 2 in UCS-2. Not the number of visible characters.
   */
  characters: number;
}

/** GSM 03.38's basic character set: one septet each, no escape, so nothing to keep unsplit. */
const GSM7_BASIC = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà]*$/;

/**
 * Segments Twilio will bill for `body`, using Twilio's own calculator so our numbers match the
 * invoice. Smart Encoding is off: we send the body as written, so a curly quote forces UCS-2.
 */
export function countSegments(body: string): SegmentCount {
  // The common case, computed directly: the calculator takes ~0.1 ms a text, 1 s for a bulk of 10,000.
  if (GSM7_BASIC.test(body)) {
    return { segments: body.length <= 160 ? 1 : Math.ceil(body.length / 153), encoding: 'GSM-7', characters: body.length };
  }
  const message = new SegmentedMessage(body);
  const characters = message.encodedChars.reduce((sum, char) => sum + char.codeUnits.length, 0);
  return { segments: message.segmentsCount, encoding: message.encodingName, characters };
}
