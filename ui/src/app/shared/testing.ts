import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import type { EnvironmentProviders, Provider } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { apiErrorInterceptor } from './api-error';

/** HttpClient with the UI's error interceptor, answered by `HttpTestingController`. */
export function provideApiTesting(): (Provider | EnvironmentProviders)[] {
  return [provideHttpClient(withInterceptors([apiErrorInterceptor])), provideHttpClientTesting()];
}

/** Subscribes to `request$` and resolves with the error it fails with (or rejects if it succeeds). */
export function failureOf(request$: Observable<unknown>): Promise<unknown> {
  return firstValueFrom(request$).then(
    (value) => Promise.reject(new Error(`expected a failure, got ${JSON.stringify(value)}`)),
    (error: unknown) => error,
  );
}

/** In a `describe`: gives `<html lang>` and the document title back as each spec found them. */
export function restoreDocumentAfterEach(): void {
  let lang = '';
  let title = '';
  beforeEach(() => {
    lang = document.documentElement.lang;
    title = document.title;
  });
  afterEach(() => {
    document.documentElement.lang = lang;
    document.title = title;
  });
}
