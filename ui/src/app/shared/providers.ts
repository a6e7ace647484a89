import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { provideBrowserGlobalErrorListeners, provideZonelessChangeDetection } from '@angular/core';
import type { EnvironmentProviders, Provider } from '@angular/core';
import { apiErrorInterceptor } from './api-error';

/** What every entry of the UI starts with: zoneless change detection, error listeners, HTTP with errors mapped once. */
export function provideUiCore(): (Provider | EnvironmentProviders)[] {
  return [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    provideHttpClient(withFetch(), withInterceptors([apiErrorInterceptor])),
  ];
}
