import type { ApplicationConfig } from '@angular/core';
import { TitleStrategy, provideRouter, withComponentInputBinding } from '@angular/router';
import { routes } from './app.routes';
import { TranslatedTitleStrategy } from './i18n/translated-title';
import { provideUiCore } from './shared/providers';

/** Providers of the practitioner's app. */
export const appConfig: ApplicationConfig = {
  providers: [
    ...provideUiCore(),
    provideRouter(routes, withComponentInputBinding()),
    { provide: TitleStrategy, useExisting: TranslatedTitleStrategy },
  ],
};
