import { allowSteps, deviceProblemOf, helpBrowserOf } from './device-help';
import { delayLeft, isLaterDay } from './waiting-room';

describe('patient waiting room rules', () => {
  it('counts the delay down from its announcement, rounded up, never below 0', () => {
    expect(delayLeft(10, '2026-06-15T08:30:00Z', new Date('2026-06-15T08:30:10Z'))).toBe(10);
    // A page clock that read before the announcement never shows more than announced.
    expect(delayLeft(10, '2026-06-15T08:30:00Z', new Date('2026-06-15T08:29:30Z'))).toBe(10);
    expect(delayLeft(10, '2026-06-15T08:30:00Z', new Date('2026-06-15T08:34:00Z'))).toBe(6);
    expect(delayLeft(5, '2026-06-15T08:30:00Z', new Date('2026-06-15T08:40:00Z'))).toBe(0);
  });

  it("tells a later day in the practice's time zone, not the device's", () => {
    // 23:30 in Paris on the 14th is the 15th in UTC: still a later day in Paris.
    expect(isLaterDay('2026-06-15T08:30:00Z', 'Europe/Paris', new Date('2026-06-14T21:30:00Z'))).toBeTrue();
    expect(isLaterDay('2026-06-15T21:30:00Z', 'Europe/Paris', new Date('2026-06-15T06:00:00Z'))).toBeFalse();
    expect(isLaterDay('2026-06-15T08:30:00Z', 'Europe/Paris', new Date('2026-06-15T22:30:00Z'))).toBeFalse();
  });

  it('finds the browser to explain from the user agent', () => {
    const ua = {
      samsung: 'Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
      edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      firefox: 'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0',
      chrome: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      safari: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    } as const;
    for (const [browser, agent] of Object.entries(ua)) expect(helpBrowserOf(agent)).withContext(browser).toBe(browser as keyof typeof ua);
    expect(allowSteps('safari')).toEqual(['deviceCheck.safari.1', 'deviceCheck.safari.2', 'deviceCheck.safari.3']);
  });

  it('tells a refusal from a missing device', () => {
    expect(deviceProblemOf(new DOMException('denied', 'NotAllowedError'))).toBe('blocked');
    expect(deviceProblemOf(new DOMException('none', 'NotFoundError'))).toBe('missing');
  });
});
