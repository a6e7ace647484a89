import { ChangeDetectionStrategy, Component, DOCUMENT } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { en } from './i18n.en';
import { fr } from './i18n.fr';
import { I18n, LANGUAGE_STORAGE_KEY, TranslatePipe, interpolate, isTranslationKey, languageFromTag } from './i18n';
import { MemoryStorage, provideI18nTesting } from './testing';

describe('i18n', () => {
  let savedLang: string;

  beforeEach(() => {
    savedLang = document.documentElement.lang;
  });

  afterEach(() => {
    document.documentElement.lang = savedLang;
  });

  function serviceWith(browserLanguage: string, storage: MemoryStorage | null = new MemoryStorage()): I18n {
    TestBed.configureTestingModule({ providers: provideI18nTesting(browserLanguage, storage) });
    return TestBed.inject(I18n);
  }

  describe('languageFromTag', () => {
    it('chooses English for any en tag, whatever the case', () => {
      expect(languageFromTag('en')).toBe('en');
      expect(languageFromTag('en-GB')).toBe('en');
      expect(languageFromTag('EN-us')).toBe('en');
    });

    it('chooses French for every other tag, including an empty one', () => {
      expect(languageFromTag('fr-FR')).toBe('fr');
      expect(languageFromTag('de-DE')).toBe('fr');
      expect(languageFromTag('')).toBe('fr');
    });
  });

  describe('interpolate', () => {
    it('fills placeholders, keeps unknown ones visible and leaves text without params as is', () => {
      expect(interpolate('code {code}, {code} again', { code: 'X1' })).toBe('code X1, X1 again');
      expect(interpolate('{n} of {total}', { n: 2 })).toBe('2 of {total}');
      expect(interpolate('{n}', { n: 0 })).toBe('0');
      expect(interpolate('plain {x}')).toBe('plain {x}');
    });
  });

  describe('dictionaries', () => {
    it('have the same keys in French and English, each with a text', () => {
      expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
      for (const [key, text] of [...Object.entries(fr), ...Object.entries(en)]) {
        expect(text.trim()).withContext(key).not.toBe('');
      }
    });

    it('use the same placeholders in both languages', () => {
      const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
      for (const key of Object.keys(fr)) {
        if (!isTranslationKey(key)) fail(`not a key: ${key}`);
        else expect(placeholders(en[key])).withContext(key).toEqual(placeholders(fr[key]));
      }
    });

    it('recognise their keys only', () => {
      expect(isTranslationKey('app.title')).toBeTrue();
      expect(isTranslationKey('app.nope')).toBeFalse();
      expect(isTranslationKey('toString')).toBeFalse();
    });
  });

  describe('I18n', () => {
    it('starts in French for a French or other browser', () => {
      expect(serviceWith('de-CH').language()).toBe('fr');
    });

    it('starts in English for an English browser and marks the page lang', () => {
      const i18n = serviceWith('en-US');
      expect(i18n.language()).toBe('en');
      expect(TestBed.inject(DOCUMENT).documentElement.lang).toBe('en');
    });

    it('prefers the saved choice over the browser language', () => {
      const storage = new MemoryStorage();
      storage.items.set(LANGUAGE_STORAGE_KEY, 'fr');
      expect(serviceWith('en-US', storage).language()).toBe('fr');
    });

    it('ignores a saved value that is not a language', () => {
      const storage = new MemoryStorage();
      storage.items.set(LANGUAGE_STORAGE_KEY, 'klingon');
      expect(serviceWith('en-GB', storage).language()).toBe('en');
    });

    it('switches language, saves the choice and updates the page lang', () => {
      const storage = new MemoryStorage();
      const i18n = serviceWith('fr-FR', storage);
      expect(i18n.t('app.title')).toBe('Téléconsultation');

      i18n.use('en');

      expect(i18n.language()).toBe('en');
      expect(i18n.t('app.title')).toBe('Teleconsultation');
      expect(storage.items.get(LANGUAGE_STORAGE_KEY)).toBe('en');
      expect(document.documentElement.lang).toBe('en');
    });

    it('still works when the browser blocks storage', () => {
      const i18n = serviceWith('en-US', new MemoryStorage(true));
      expect(i18n.language()).toBe('en');
      expect(() => i18n.use('fr')).not.toThrow();
      expect(i18n.language()).toBe('fr');
    });

    it('still works without any storage', () => {
      const i18n = serviceWith('fr', null);
      i18n.use('en');
      expect(i18n.language()).toBe('en');
    });

    it('fills parameters and gives a text in a chosen language', () => {
      const i18n = serviceWith('fr');
      expect(i18n.t('error.unknown', { code: 'E42' })).toBe('Une erreur est survenue (code E42).');
      expect(i18n.textIn('en', 'error.unknown', { code: 'E42' })).toBe('Something went wrong (code E42).');
      expect(i18n.language()).toBe('fr');
    });
  });

  describe('TranslatePipe', () => {
    @Component({
      imports: [TranslatePipe],
      changeDetection: ChangeDetectionStrategy.OnPush,
      template: `<h1>{{ 'app.title' | t }}</h1><p>{{ 'error.unknown' | t: { code: 'E7' } }}</p>`,
    })
    class Host {}

    it('renders the current language and follows a switch', async () => {
      const i18n = serviceWith('fr-FR');
      const fixture = TestBed.createComponent(Host);
      await fixture.whenStable();
      const element = fixture.nativeElement as HTMLElement;
      expect(element.querySelector('h1')?.textContent).toBe('Téléconsultation');
      expect(element.querySelector('p')?.textContent).toBe('Une erreur est survenue (code E7).');

      i18n.use('en');
      await fixture.whenStable();

      expect(element.querySelector('h1')?.textContent).toBe('Teleconsultation');
      expect(element.querySelector('p')?.textContent).toBe('Something went wrong (code E7).');
    });
  });
});
