import type { Routes } from '@angular/router';
import type { TranslationKey } from './i18n/i18n';

/**
 * Routes of the practitioner's app, served under `/app/`. Route titles are translation keys
 * (see TranslatedTitleStrategy). `/app/patient/…` is the patient's own entry (patient-main.ts),
 * which the server serves instead of this app.
 */
export const routes: Routes = [
  {
    path: 'follow-up',
    title: 'followUp.title' satisfies TranslationKey,
    loadComponent: () => import('./follow-up/follow-up-page').then((m) => m.FollowUpPage),
  },
  // The former one-consultation payments page: its addresses lead to "Suivi et paiement".
  { path: 'panel/:id/payments', redirectTo: 'follow-up' },
  {
    path: 'panel/:id',
    title: 'panel.title' satisfies TranslationKey,
    loadComponent: () => import('./panel/panel-page').then((m) => m.PanelPage),
  },
  {
    path: '**',
    title: 'notFound.title' satisfies TranslationKey,
    loadComponent: () => import('./not-found-page').then((m) => m.NotFoundPage),
  },
];
