import { dayValue, formatStartsAt, whenOf } from './follow-up-format';

const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('follow-up formats (days and times of the practitioner)', () => {
  it('shows the time in the practitioner\'s zone, whatever the browser\'s', () => {
    expect(plain(formatStartsAt('2026-06-15T08:30:00.000Z', 'Europe/Paris', 'fr'))).toContain('10:30');
    expect(plain(formatStartsAt('2026-06-15T08:30:00.000Z', 'Pacific/Auckland', 'fr'))).toContain('20:30');
    expect(plain(formatStartsAt('2026-06-15T08:30:00.000Z', 'America/Martinique', 'en'))).toContain('4:30');
  });

  it('counts today in the practitioner\'s days', () => {
    // 23:30 UTC is already the 16th in Paris: a consultation of 23:30 Paris time on the 15th is past there.
    const now = new Date('2026-06-15T23:30:00.000Z');
    expect(whenOf('2026-06-15T21:30:00.000Z', now, 'UTC')).toBe('today');
    expect(whenOf('2026-06-15T21:30:00.000Z', now, 'Europe/Paris')).toBe('past');
    expect(whenOf('2026-06-15T22:30:00.000Z', now, 'Europe/Paris')).toBe('today');
    expect(whenOf('2026-06-16T22:30:00.000Z', now, 'Europe/Paris')).toBe('upcoming');
  });

  it('gives a date field\'s value in the zone', () => {
    const at = new Date('2026-06-15T23:30:00.000Z');
    expect(dayValue(at, 'UTC')).toBe('2026-06-15');
    expect(dayValue(at, 'Europe/Paris')).toBe('2026-06-16');
    expect(dayValue(at, 'America/Los_Angeles')).toBe('2026-06-15');
  });
});
