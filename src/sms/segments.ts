import { SegmentedMessage } from 'sms-segments-calculator';
// Twilio's own Smart Encoding table, shipped with its calculator (not re-exported by the package's index).
import TWILIO_SMART_ENCODING from 'sms-segments-calculator/dist/libs/SmartEncodingMap';

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
/** The basic set and its extension table (escaped, two septets each). */
const GSM7_BASIC_OR_EXTENDED = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà\f^{}\\[~\]|€]*$/;

/**
 * Segments Twilio will bill for `body`, using Twilio's own calculator so our numbers match the
 * invoice. Counted on the body as it is sent: after smartEncode() when smart encoding is on.
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

/**
 * Twilio's Smart Encoding table, less its removals: look-alikes (curly quotes, long dashes,
 * non-breaking spaces, ellipsis, full-width forms…) that have a GSM-7 equivalent. Twilio's table
 * also deletes invisible characters (zero-width space, BOM, some control codes); those have no
 * GSM-7 equivalent, so they are kept as written, like every character outside the table.
 */
const LOOK_ALIKES: ReadonlyMap<string, string> = new Map(
  Object.entries(TWILIO_SMART_ENCODING as Record<string, string>).filter(([, replacement]) => replacement !== '' && GSM7_BASIC_OR_EXTENDED.test(replacement)),
);

/** What smart encoding did to a body: the text sent, and its segments before and after. */
export interface SmartEncoded {
  body: string;
  /** Characters replaced. */
  replaced: number;
  before: SegmentCount;
  after: SegmentCount;
}

/** Replaces look-alikes with their GSM-7 equivalents (per code point, so emoji pairs stay whole). */
export function smartEncode(body: string): SmartEncoded {
  let replaced = 0;
  const encoded = Array.from(body, (char) => {
    const replacement = LOOK_ALIKES.get(char);
    if (replacement === undefined) return char;
    replaced += 1;
    return replacement;
  }).join('');
  const before = countSegments(body);
  return { body: encoded, replaced, before, after: replaced === 0 ? before : countSegments(encoded) };
}
