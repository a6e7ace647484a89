import type { Routes } from '@angular/router';
import type { TranslationKey } from './shared/i18n';

/** Routes of the UI, served under `/app/`. Route titles are translation keys (see TranslatedTitleStrategy). */
export const routes: Routes = [
  {
    path: 'panel/:id/payments',
    title: 'billing.followUp' satisfies TranslationKey,
    loadComponent: () => import('./panel/payments').then((m) => m.PaymentsPage),
  },
  {
    path: 'panel/:id',
    title: 'panel.title' satisfies TranslationKey,
    loadComponent: () => import('./panel/panel-page').then((m) => m.PanelPage),
  },
  {
    path: 'patient/:id',
    title: 'patient.title' satisfies TranslationKey,
    loadComponent: () => import('./patient/patient-page').then((m) => m.PatientPage),
  },
  {
    path: 'patient',
    title: 'patient.title' satisfies TranslationKey,
    loadComponent: () => import('./patient/patient-landing').then((m) => m.PatientLanding),
  },
  {
    path: '**',
    title: 'notFound.title' satisfies TranslationKey,
    loadComponent: () => import('./shared/not-found-page').then((m) => m.NotFoundPage),
  },
];
