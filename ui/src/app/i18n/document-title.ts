import type { I18n, TranslationKey } from './i18n';

/**
 * The document title of a page, "Page · Téléconsultation", in the current language (reads the
 * language signal, so an effect follows language changes). A distinct title per page lets
 * screen-reader users know where they landed (WCAG 2.4.2).
 */
export function documentTitle(i18n: I18n, pageKey: TranslationKey | null): string {
  const app = i18n.t('app.title');
  return pageKey === null || pageKey === 'app.title' ? app : `${i18n.t(pageKey)} · ${app}`;
}
