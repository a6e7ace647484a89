import type { TranslationKey } from '../i18n/i18n';

/** The browsers whose way to allow the camera and microphone the device check explains. */
export type HelpBrowser = 'chrome' | 'safari' | 'firefox' | 'samsung' | 'edge';

/** Why the camera or microphone could not be opened. */
export type DeviceProblem = 'blocked' | 'missing';

const NAMES: Readonly<Record<HelpBrowser, string>> = {
  chrome: 'Chrome', safari: 'Safari', firefox: 'Firefox', samsung: 'Samsung Internet', edge: 'Edge',
};

/** The browser of a user agent string; the order matters, since Edge and Samsung Internet also say "Chrome", and Chrome on iOS says "Safari". */
export function helpBrowserOf(userAgent: string): HelpBrowser {
  if (/SamsungBrowser/i.test(userAgent)) return 'samsung';
  if (/Edg(e|A|iOS)?\//.test(userAgent)) return 'edge';
  if (/Firefox|FxiOS/.test(userAgent)) return 'firefox';
  if (/Chrome|CriOS|Chromium/.test(userAgent)) return 'chrome';
  if (/Safari|iPhone|iPad/.test(userAgent)) return 'safari';
  return 'chrome';
}

/** The browser's display name. */
export function helpBrowserName(browser: HelpBrowser): string {
  return NAMES[browser];
}

/** The numbered steps to allow the camera and microphone in `browser`. */
export function allowSteps(browser: HelpBrowser): TranslationKey[] {
  return [`deviceCheck.${browser}.1`, `deviceCheck.${browser}.2`, `deviceCheck.${browser}.3`];
}

/** What a getUserMedia failure means for the patient: refused (NotAllowedError, SecurityError) or no device. */
export function deviceProblemOf(error: unknown): DeviceProblem {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  return name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError' ? 'blocked' : 'missing';
}
