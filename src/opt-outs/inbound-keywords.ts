/** What an inbound text asks for, when it is a keyword. */
export type InboundKeyword = 'stop' | 'start' | 'help';

// Twilio's default opt-out, opt-in and help keywords for long codes and toll-free numbers.
const KEYWORDS: ReadonlyMap<string, InboundKeyword> = new Map([
  ...['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'].map((word) => [word, 'stop'] as const),
  ...['START', 'YES', 'UNSTOP'].map((word) => [word, 'start'] as const),
  ...['HELP', 'INFO'].map((word) => [word, 'help'] as const),
]);

/**
 * A body that is exactly one keyword, in any case and with surrounding spaces, is that keyword.
 * Anything more ("stop sending me this", "STOP.") is an ordinary message, as Twilio reads it.
 */
export function parseKeyword(body: string): InboundKeyword | null {
  return KEYWORDS.get(body.trim().toUpperCase()) ?? null;
}
