import { resolveRange, utcDays } from './report-range';

const now = new Date('2025-03-10T15:30:00Z');
const iso = (range: { from: Date; to: Date }) => [range.from.toISOString(), range.to.toISOString()];

describe('resolveRange', () => {
  it('defaults to the last 7 days up to now', () => {
    expect(iso(resolveRange({}, now))).toEqual(['2025-03-03T15:30:00.000Z', '2025-03-10T15:30:00.000Z']);
  });

  it('reads bare dates as UTC days, the end day included', () => {
    expect(iso(resolveRange({ from: '2025-01-01', to: '2025-01-31' }, now))).toEqual(['2025-01-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z']);
  });

  it('takes date-times with their zone, the end exclusive', () => {
    expect(iso(resolveRange({ from: '2025-01-01T10:00:00+02:00', to: '2025-01-02T00:00:00Z' }, now)))
      .toEqual(['2025-01-01T08:00:00.000Z', '2025-01-02T00:00:00.000Z']);
  });

  it('defaults from to 7 days before a given to', () => {
    expect(iso(resolveRange({ to: '2025-01-31' }, now))).toEqual(['2025-01-25T00:00:00.000Z', '2025-02-01T00:00:00.000Z']);
  });

  it('allows 93 days and refuses 94, reversed, empty and impossible dates', () => {
    expect(() => resolveRange({ from: '2025-01-01', to: '2025-04-03' }, now)).not.toThrow();
    expect(() => resolveRange({ from: '2025-01-01', to: '2025-04-04' }, now)).toThrow(/at most 93 days/);
    expect(() => resolveRange({ from: '2025-02-01', to: '2025-01-01' }, now)).toThrow(/must be before/);
    expect(() => resolveRange({ from: '2025-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }, now)).toThrow(/must be before/);
    expect(() => resolveRange({ from: '2025-02-30' }, now)).toThrow(/not a real date/);
    expect(() => resolveRange({ to: '2025-01-01T25:00:00Z' }, now)).toThrow(/not a real date/);
  });

  it('answers 400 with a stable code', () => {
    expect(() => resolveRange({ from: '2025-02-01', to: '2025-01-01' }, now)).toThrow(
      expect.objectContaining({ code: 'invalid_report_range', httpStatus: 400 }),
    );
  });
});

describe('utcDays', () => {
  it('lists every UTC day the range touches, clipped to it', () => {
    const days = utcDays({ from: new Date('2025-01-01T22:00:00Z'), to: new Date('2025-01-03T01:00:00Z') });
    expect(days.map((day) => [day.key, ...iso(day)])).toEqual([
      ['2025-01-01', '2025-01-01T22:00:00.000Z', '2025-01-02T00:00:00.000Z'],
      ['2025-01-02', '2025-01-02T00:00:00.000Z', '2025-01-03T00:00:00.000Z'],
      ['2025-01-03', '2025-01-03T00:00:00.000Z', '2025-01-03T01:00:00.000Z'],
    ]);
  });

  it('does not add a day for a range ending at midnight', () => {
    expect(utcDays({ from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-01-03T00:00:00Z') }).map((d) => d.key))
      .toEqual(['2025-01-01', '2025-01-02']);
  });
});
