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
  'live.loading': 'Chargement de la consultation…',
  'live.reconnecting': 'Connexion perdue, reconnexion en cours…',
  'live.appointment': 'Rendez-vous avec {name}, le {date}',
  'live.camera': 'Caméra',
  'live.microphone': 'Micro',
  'live.selfView': 'Votre image',
  'live.remoteVideo': 'Vidéo de {name}',
  'live.callLabel': 'Consultation vidéo avec {name}',
  'live.waitingForPeer': 'En attente de l\'image de {name}…',
  'live.controls': 'Commandes de l\'appel',
  'live.muteMic': 'Couper le micro',
  'live.unmuteMic': 'Activer le micro',
  'live.muteCamera': 'Couper la caméra',
  'live.unmuteCamera': 'Activer la caméra',
  'live.hangUp': 'Raccrocher',
  'live.enableSound': 'Activer le son',
  'live.mediaError': 'Impossible d\'accéder à la caméra ou au micro. Autorisez-les dans votre navigateur puis réessayez.',
  'live.retry': 'Réessayer',
  'live.ended': 'La consultation est terminée.',
  'live.hungUp': 'Vous avez quitté la consultation.',
  'live.cancelled': 'Cette téléconsultation a été annulée.',
  'live.linkInvalid': 'Ce lien n\'est plus valide. Utilisez le dernier lien reçu.',
  'live.replaced': 'Cette consultation est ouverte dans un autre onglet ou appareil.',
  'live.peerLeft': '{name} a quitté l\'appel.',
  'patient.deviceCheck': 'Vérifiez votre caméra et votre micro',
  'patient.joinWaitingRoom': 'Rejoindre la salle d\'attente',
  'patient.waiting': 'Le praticien va vous accepter…',
  'patient.waitingHint': 'Gardez cette page ouverte. L\'appel commencera automatiquement.',
  'patient.denied': 'Le praticien ne peut pas vous recevoir pour le moment.',
  'panel.waitingRoom': 'Salle d\'attente',
  'panel.patientWaiting': '{name} est en salle d\'attente',
  'panel.waitingSince': 'depuis {time}',
  'panel.patientAbsent': '{name} n\'est pas encore arrivé·e.',
  'panel.patientDenied': 'Vous avez refusé l\'entrée de {name}.',
  'panel.admit': 'Accepter',
  'panel.deny': 'Refuser',
  'panel.patientInCall': '{name} est en consultation.',
  'panel.rejoin': 'Reprendre l\'appel',
} as const;

/** A key of the UI texts. */
export type TranslationKey = keyof typeof fr;

/** A complete dictionary: one text per key, no extra key. */
export type Dictionary = Readonly<Record<TranslationKey, string>>;
