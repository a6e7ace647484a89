import type { Dictionary } from './i18n.fr';

/** English texts. Typed as `Dictionary`, so a French key missing here is a compile error. */
export const en: Dictionary = {
  'app.title': 'Teleconsultation',
  'language.label': 'Language',
  'language.fr': 'Français',
  'language.en': 'English',
  'panel.title': 'Practitioner space',
  'patient.title': 'Your teleconsultation',
  'notFound.title': 'Page not found',
  'notFound.hint': 'This address matches no page. Please use the link you received.',
  'error.network': 'Cannot connect. Check your Internet access and try again.',
  'error.server': 'The service has a problem. Please try again in a few moments.',
  'error.notFound': 'Not found.',
  'error.unauthorized': 'Your session has expired. Please sign in again.',
  'error.unknown': 'Something went wrong (code {code}).',
};
