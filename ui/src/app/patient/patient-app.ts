import { ChangeDetectionStrategy, Component, DOCUMENT, InjectionToken, computed, effect, inject } from '@angular/core';
import type { ApplicationConfig } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { documentTitle } from '../i18n/document-title';
import { I18n } from '../i18n/i18n';
import type { TranslationKey } from '../i18n/i18n';
import { NotFoundPage } from '../not-found-page';
import { PageShell } from '../shared/page-shell';
import { provideUiCore } from '../shared/providers';
import { PatientLanding } from './patient-landing';
import { PatientPage } from './patient-page';

/** Where the patient's entry is served (its `<base href>`: angular.json, target `patient`, `baseHref`). */
export const PATIENT_BASE = '/app/patient/';

/** What the patient's address shows: the landing (no link), one consultation, or nothing known. */
export type PatientRoute = { readonly page: 'landing' } | { readonly page: 'consultation'; readonly id: string } | { readonly page: 'not-found' };

/**
 * The page for an address under {@link PATIENT_BASE}: `/app/patient` → landing,
 * `/app/patient/<id>` → that consultation, anything deeper → not found (the same addresses
 * the practitioner's router used to match for the patient).
 */
export function patientRouteOf(pathname: string): PatientRoute {
  const root = PATIENT_BASE.slice(0, -1);
  if (pathname !== root && !pathname.startsWith(PATIENT_BASE)) return { page: 'not-found' };
  const segments = pathname.slice(root.length).split('/').filter((segment) => segment !== '');
  if (segments.length === 0) return { page: 'landing' };
  if (segments.length > 1) return { page: 'not-found' };
  try {
    return { page: 'consultation', id: decodeURIComponent(segments[0]!) };
  } catch {
    return { page: 'not-found' };
  }
}

/** The path the patient's entry opened at; the browser's by default (a spec gives its own). */
export const PATIENT_PATH = new InjectionToken<string>('PATIENT_PATH', {
  providedIn: 'root',
  factory: () => inject(DOCUMENT).location.pathname,
});

/**
 * The patient's own light entry (patient-main.ts): the same shell as the practitioner's app
 * around the patient's one page, without the router (the page is known from the address, and
 * the patient never navigates) and without any of the practitioner's code.
 */
@Component({
  // The same index.html as the practitioner's app: each entry bootstraps its own root into <tc-root>.
  selector: 'tc-root',
  imports: [PageShell, PatientPage, PatientLanding, NotFoundPage],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <tc-page-shell>
      @switch (route.page) {
        @case ('consultation') {
          <tc-patient-page [id]="consultationId" />
        }
        @case ('landing') {
          <tc-patient-landing />
        }
        @default {
          <tc-not-found-page />
        }
      }
    </tc-page-shell>
  `,
})
export class PatientApp {
  protected readonly route = patientRouteOf(inject(PATIENT_PATH));
  protected readonly consultationId = this.route.page === 'consultation' ? this.route.id : '';
  private readonly titleKey = computed<TranslationKey>(() => (this.route.page === 'not-found' ? 'notFound.title' : 'patient.title'));

  constructor() {
    const i18n = inject(I18n);
    const title = inject(Title);
    effect(() => title.setTitle(documentTitle(i18n, this.titleKey())));
  }
}

/** Providers of the patient's entry. */
export const patientConfig: ApplicationConfig = { providers: provideUiCore() };
