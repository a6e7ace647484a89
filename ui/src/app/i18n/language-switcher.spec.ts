import { TestBed } from '@angular/core/testing';
import { I18n, LANGUAGE_STORAGE_KEY } from './i18n';
import { LanguageSwitcher } from './language-switcher';
import { MemoryStorage, provideI18nTesting } from './testing';

describe('LanguageSwitcher', () => {
  let savedLang: string;

  beforeEach(() => {
    savedLang = document.documentElement.lang;
  });

  afterEach(() => {
    document.documentElement.lang = savedLang;
  });

  async function render(browserLanguage: string, storage = new MemoryStorage()) {
    TestBed.configureTestingModule({ providers: provideI18nTesting(browserLanguage, storage) });
    const fixture = TestBed.createComponent(LanguageSwitcher);
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    const button = (lang: string) => {
      const found = element.querySelector<HTMLButtonElement>(`button[lang="${lang}"]`);
      if (!found) throw new Error(`no button for ${lang}`);
      return found;
    };
    return { fixture, element, button };
  }

  it('names each language in itself, French first, inside a labelled group', async () => {
    const { element } = await render('en-US');
    const buttons = [...element.querySelectorAll('button')];
    expect(buttons.map((b) => [b.lang, b.textContent?.trim()])).toEqual([
      ['fr', 'Français'],
      ['en', 'English'],
    ]);
    expect(element.querySelector('[role="group"]')?.getAttribute('aria-label')).toBe('Language');
  });

  it('marks the current language as pressed', async () => {
    const { button } = await render('fr-FR');
    expect(button('fr').getAttribute('aria-pressed')).toBe('true');
    expect(button('en').getAttribute('aria-pressed')).toBe('false');
  });

  it('switches the language when a button is pressed, and remembers it', async () => {
    const storage = new MemoryStorage();
    const { fixture, element, button } = await render('fr-FR', storage);

    button('en').click();
    await fixture.whenStable();

    expect(TestBed.inject(I18n).language()).toBe('en');
    expect(storage.items.get(LANGUAGE_STORAGE_KEY)).toBe('en');
    expect(button('en').getAttribute('aria-pressed')).toBe('true');
    expect(button('fr').getAttribute('aria-pressed')).toBe('false');
    expect(element.querySelector('[role="group"]')?.getAttribute('aria-label')).toBe('Language');

    button('fr').click();
    await fixture.whenStable();
    expect(element.querySelector('[role="group"]')?.getAttribute('aria-label')).toBe('Langue');
  });
});
