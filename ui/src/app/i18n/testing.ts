import { BROWSER_LANGUAGE, LANGUAGE_STORAGE } from './i18n';
import type { LanguageStorage } from './i18n';
import type { Provider } from '@angular/core';

/** An in-memory `LanguageStorage` for specs; `failing` makes every call throw like blocked storage. */
export class MemoryStorage implements LanguageStorage {
  readonly items = new Map<string, string>();

  constructor(private readonly failing = false) {}

  getItem(key: string): string | null {
    if (this.failing) throw new DOMException('Storage is blocked', 'SecurityError');
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    if (this.failing) throw new DOMException('Storage is blocked', 'SecurityError');
    this.items.set(key, value);
  }
}

/** Providers that give `I18n` a chosen browser language and storage instead of the real ones. */
export function provideI18nTesting(browserLanguage: string, storage: LanguageStorage | null = new MemoryStorage()): Provider[] {
  return [
    { provide: BROWSER_LANGUAGE, useValue: browserLanguage },
    { provide: LANGUAGE_STORAGE, useValue: storage },
  ];
}
