import { DOCUMENT } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Title } from '@angular/platform-browser';
import { Router, TitleStrategy, provideRouter, withComponentInputBinding } from '@angular/router';
import { App } from './app';
import { routes } from './app.routes';
import { I18n } from './i18n/i18n';
import { TranslatedTitleStrategy } from './i18n/translated-title';
import { provideI18nTesting } from './i18n/testing';
import { restoreDocumentAfterEach } from './shared/testing';

describe('App shell and routes (the practitioner\'s app)', () => {
  restoreDocumentAfterEach();

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter(routes, withComponentInputBinding()),
        { provide: TitleStrategy, useExisting: TranslatedTitleStrategy },
        provideI18nTesting('fr-FR'),
      ],
    });
  });

  /** Renders the shell at `url` and returns its element once the lazy page is in. */
  async function renderAt(url: string) {
    const fixture = TestBed.createComponent(App);
    await TestBed.inject(Router).navigateByUrl(url);
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    const heading = () => element.querySelector('main h1')?.textContent?.trim();
    return { fixture, element, heading };
  }

  it('shows the product name and the language switcher around the page', async () => {
    const { element } = await renderAt('/nowhere');
    expect(element.querySelector('header .app-name')?.textContent?.trim()).toBe('Téléconsultation');
    expect(element.querySelectorAll('header tc-language-switcher button').length).toBe(2);
  });

  it('loads the practitioner page at /panel/:id', async () => {
    const { heading } = await renderAt('/panel/appt-42');
    expect(heading()).toBe('Espace praticien');
    expect(TestBed.inject(Title).getTitle()).toBe('Espace praticien · Téléconsultation');
  });

  it('shows the not-found page for an unknown address and for /panel without id', async () => {
    const { heading } = await renderAt('/nowhere');
    expect(heading()).toBe('Page introuvable');
    await TestBed.inject(Router).navigateByUrl('/panel');
    expect(heading()).toBe('Page introuvable');
  });

  it('translates the page and the document title when the language changes', async () => {
    const { fixture, heading } = await renderAt('/panel/appt-42');

    TestBed.inject(I18n).use('en');
    await fixture.whenStable();

    expect(heading()).toBe('Practitioner space');
    expect(TestBed.inject(Title).getTitle()).toBe('Practitioner space · Teleconsultation');
    expect(TestBed.inject(DOCUMENT).documentElement.lang).toBe('en');
  });
});
