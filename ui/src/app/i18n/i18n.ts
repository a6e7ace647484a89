import { DOCUMENT, Injectable, InjectionToken, Pipe, inject, signal } from '@angular/core';
import type { PipeTransform } from '@angular/core';
import { en } from './i18n.en';
import { fr } from './i18n.fr';
import type { Dictionary, TranslationKey } from './i18n.fr';

export type { Dictionary, TranslationKey } from './i18n.fr';

/** The UI languages, French first. */
export const LANGUAGES = ['fr', 'en'] as const;

/** A UI language. */
export type Language = (typeof LANGUAGES)[number];

/** Values for the `{name}` placeholders of a text. */
export type TranslationParams = Readonly<Record<string, string | number>>;

const DICTIONARIES: Readonly<Record<Language, Dictionary>> = { fr, en };

/** The part of `Storage` the language choice needs. */
export type LanguageStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** The localStorage key holding the chosen language. */
export const LANGUAGE_STORAGE_KEY = 'tc.language';

/**
 * Where the chosen language is kept. `null` when the browser refuses storage: access to
 * `localStorage` throws a SecurityError when site data is blocked, which happens to the
 * panel when the agenda shows it in a third-party iframe
 * (https://developer.mozilla.org/docs/Web/API/Window/localStorage#exceptions).
 */
export const LANGUAGE_STORAGE = new InjectionToken<LanguageStorage | null>('LANGUAGE_STORAGE', {
  providedIn: 'root',
  factory: () => {
    try {
      return inject(DOCUMENT).defaultView?.localStorage ?? null;
    } catch {
      return null;
    }
  },
});

/** The browser's preferred language tag (`navigator.language`), e.g. `en-GB`. */
export const BROWSER_LANGUAGE = new InjectionToken<string>('BROWSER_LANGUAGE', {
  providedIn: 'root',
  factory: () => inject(DOCUMENT).defaultView?.navigator.language ?? '',
});

/** The Intl locale of a UI language. */
export function localeOf(language: Language): string {
  return language === 'fr' ? 'fr-FR' : 'en-GB';
}

/** True when `value` is one of the UI languages. */
export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** True when `value` is a key of the UI texts. */
export function isTranslationKey(value: string): value is TranslationKey {
  return Object.hasOwn(fr, value);
}

/** The UI language for a browser language tag: English for `en*`, French otherwise. */
export function languageFromTag(tag: string): Language {
  return tag.toLowerCase().startsWith('en') ? 'en' : 'fr';
}

/** Replaces each `{name}` of `text` by `params[name]`; unknown placeholders stay visible. */
export function interpolate(text: string, params?: TranslationParams): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/**
 * The current UI language and its texts. The language comes from the saved choice, else from
 * the browser (English if it starts with `en`, French otherwise); it is saved on change and
 * mirrored on `<html lang>` so screen readers pronounce the page correctly.
 */
@Injectable({ providedIn: 'root' })
export class I18n {
  private readonly document = inject(DOCUMENT);
  private readonly storage = inject(LANGUAGE_STORAGE);
  private readonly current = signal<Language>(this.initialLanguage(inject(BROWSER_LANGUAGE)));

  /** The current language (read-only signal). */
  readonly language = this.current.asReadonly();

  constructor() {
    this.document.documentElement.lang = this.current();
  }

  /** Switches the UI language and remembers the choice. */
  use(language: Language): void {
    this.current.set(language);
    this.document.documentElement.lang = language;
    try {
      this.storage?.setItem(LANGUAGE_STORAGE_KEY, language);
    } catch {
      // Storage full or blocked: the choice lasts for this page only.
    }
  }

  /**
   * The text of `key` in the current language, placeholders filled from `params`.
   * Reads the language signal, so templates and computed signals follow language changes.
   */
  t(key: TranslationKey, params?: TranslationParams): string {
    return interpolate(DICTIONARIES[this.current()][key], params);
  }

  /** The text of `key` in a given language (e.g. a language's own name in the switcher). */
  textIn(language: Language, key: TranslationKey, params?: TranslationParams): string {
    return interpolate(DICTIONARIES[language][key], params);
  }

  private initialLanguage(browserLanguage: string): Language {
    let saved: string | null = null;
    try {
      saved = this.storage?.getItem(LANGUAGE_STORAGE_KEY) ?? null;
    } catch {
      saved = null;
    }
    return isLanguage(saved) ? saved : languageFromTag(browserLanguage);
  }
}

/**
 * `{{ 'app.title' | t }}` or `{{ 'error.unknown' | t: { code } }}`.
 * Impure because the text changes with the language signal while the key stays the same;
 * the lookup is a property read, cheap enough to run on every check.
 */
@Pipe({ name: 't', pure: false })
export class TranslatePipe implements PipeTransform {
  private readonly i18n = inject(I18n);

  /** The text of `key` in the current language. */
  transform(key: TranslationKey, params?: TranslationParams): string {
    return this.i18n.t(key, params);
  }
}
