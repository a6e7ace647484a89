/**
 * French texts: the reference dictionary. Every key added here must be added to `i18n.en.ts`
 * (the compiler checks it). Placeholders are written `{name}` and filled by `I18n.t()`.
 */
export const fr = {
  'app.title': 'Téléconsultation',
  'language.label': 'Langue',
  'language.fr': 'Français',
  'language.en': 'English',
  'panel.title': 'Espace praticien',
  'patient.title': 'Votre téléconsultation',
  'notFound.title': 'Page introuvable',
  'notFound.hint': 'Cette adresse ne correspond à aucune page. Utilisez le lien que vous avez reçu.',
  'error.network': 'Connexion impossible. Vérifiez votre accès à Internet puis réessayez.',
  'error.server': 'Le service rencontre un problème. Réessayez dans quelques instants.',
  'error.notFound': 'Élément introuvable.',
  'error.unauthorized': 'Votre session a expiré. Reconnectez-vous.',
  'error.unknown': 'Une erreur est survenue (code {code}).',
} as const;

/** A key of the UI texts. */
export type TranslationKey = keyof typeof fr;

/** A complete dictionary: one text per key, no extra key. */
export type Dictionary = Readonly<Record<TranslationKey, string>>;
