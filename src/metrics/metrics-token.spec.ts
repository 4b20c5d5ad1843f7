import { bearerMatches } from './metrics-token';

describe('bearerMatches', () => {
  const token = 'a-metrics-token-of-some-length';

  it('accepts exactly "Bearer <token>", whatever the scheme case', () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
  });

  it('refuses other tokens, other schemes, and everything when no token is configured', () => {
    expect(bearerMatches(`Bearer ${token}x`, token)).toBe(false);
    expect(bearerMatches(`Basic ${token}`, token)).toBe(false);
    expect(bearerMatches(token, token)).toBe(false);
    expect(bearerMatches(undefined, token)).toBe(false);
    expect(bearerMatches(`Bearer ${token}`, undefined)).toBe(false);
    expect(bearerMatches('Bearer ', '')).toBe(false);
  });
});
