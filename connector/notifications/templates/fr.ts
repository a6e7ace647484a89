/**
 * The journey's messages in French (the default language), in the words of the
 * practitioner's help page: téléconsultation, salle d’attente, rappel de RDV, fin de
 * téléconsultation, effectuer le paiement, télécharger les pièces jointes.
 */
import { link, must, type CopyContext, type LanguagePack, type MessageCopy, type SmsParts } from './content.ts';

const TIPS = 'Pour la téléconsultation, installez-vous dans un endroit calme avec une bonne connexion internet, et autorisez l’accès à la caméra et au micro lorsque votre navigateur vous le demande.';
const JOIN = 'Rejoindre la salle d’attente';

/** "Bonjour Camille, " or "Bonjour, " when the first name is unknown. */
const hello = (c: CopyContext): string => (c.firstName ? `Bonjour ${c.firstName}, ` : 'Bonjour, ');
const prefix = (c: CopyContext): string => (c.clinic ? `${c.clinic} : ` : '');

function confirmation(c: CopyContext): MessageCopy {
  const url = must(c.patientUrl);
  return {
    subject: `Téléconsultation confirmée le ${c.at.date} à ${c.at.time}`,
    preheader: `Votre lien pour rejoindre la salle d’attente le ${c.at.date} à ${c.at.time}.`,
    paragraphs: [
      `Votre rendez-vous de téléconsultation avec ${c.practitioner} est confirmé le ${c.at.date} à ${c.at.timeWithZone}.`,
      'Le jour du rendez-vous, cliquez sur le lien ci-dessous pour rejoindre la salle d’attente. Vous recevrez aussi une invitation à rejoindre la salle d’attente quelques minutes avant la téléconsultation.',
    ],
    actions: [{ label: JOIN, url }],
    notes: [TIPS],
    sms: [
      [`${prefix(c)}${hello(c)}votre téléconsultation avec ${c.practitioner} est confirmée le ${c.at.dateShort} à ${c.at.time}. Pour rejoindre la salle d’attente : `, link(url)],
      [`Téléconsultation avec ${c.practitioner} confirmée le ${c.at.dateShort} à ${c.at.time}. Salle d’attente : `, link(url)],
      [`Téléconsultation confirmée le ${c.at.dateShort} à ${c.at.time}. Salle d’attente : `, link(url)],
    ],
  };
}

function reminder(c: CopyContext): MessageCopy {
  const url = must(c.patientUrl);
  return {
    subject: `Rappel : téléconsultation le ${c.at.date} à ${c.at.time}`,
    preheader: `Votre téléconsultation avec ${c.practitioner} approche.`,
    paragraphs: [
      `Nous vous rappelons votre rendez-vous de téléconsultation avec ${c.practitioner} le ${c.at.date} à ${c.at.timeWithZone}.`,
      'Au moment du rendez-vous, cliquez sur le lien ci-dessous pour rejoindre la salle d’attente. En cas d’empêchement, merci de prévenir le cabinet.',
    ],
    actions: [{ label: JOIN, url }],
    notes: [TIPS],
    sms: [
      [`${prefix(c)}Rappel : ${hello(c)}votre téléconsultation avec ${c.practitioner} a lieu le ${c.at.dateShort} à ${c.at.time}. Le moment venu, rejoignez la salle d’attente : `, link(url)],
      [`Rappel : téléconsultation avec ${c.practitioner} le ${c.at.dateShort} à ${c.at.time}. Salle d’attente : `, link(url)],
      [`Rappel : téléconsultation le ${c.at.dateShort} à ${c.at.time}. Salle d’attente : `, link(url)],
    ],
  };
}

function invitation(c: CopyContext): MessageCopy {
  const url = must(c.patientUrl);
  return {
    subject: `Votre téléconsultation commence à ${c.at.time} : rejoignez la salle d’attente`,
    preheader: `${c.practitioner} vous attend en téléconsultation à ${c.at.time}.`,
    paragraphs: [
      `Votre téléconsultation avec ${c.practitioner} commence à ${c.at.timeWithZone}, le ${c.at.date}.`,
      `Vous pouvez dès maintenant rejoindre la salle d’attente : ${c.practitioner} vous acceptera dans la téléconsultation dès que possible.`,
    ],
    actions: [{ label: JOIN, url }],
    notes: [TIPS],
    sms: [
      [`${prefix(c)}${hello(c)}votre téléconsultation avec ${c.practitioner} commence à ${c.at.time}. Rejoignez dès maintenant la salle d’attente : `, link(url)],
      [`Votre téléconsultation avec ${c.practitioner} commence à ${c.at.time}. Salle d’attente : `, link(url)],
      [`Téléconsultation à ${c.at.time}. Salle d’attente : `, link(url)],
    ],
  };
}

function rescheduled(c: CopyContext): MessageCopy {
  const url = must(c.patientUrl);
  const was = c.previous ? `, prévu le ${c.previous.date} à ${c.previous.time},` : '';
  return {
    subject: `Téléconsultation déplacée au ${c.at.date} à ${c.at.time}`,
    preheader: `Nouvel horaire : ${c.at.date} à ${c.at.time}.`,
    paragraphs: [
      `Votre rendez-vous de téléconsultation avec ${c.practitioner}${was} est déplacé au ${c.at.date} à ${c.at.timeWithZone}.`,
      'Le jour du nouveau rendez-vous, cliquez sur le lien ci-dessous pour rejoindre la salle d’attente.',
    ],
    actions: [{ label: JOIN, url }],
    notes: [TIPS],
    sms: [
      [`${prefix(c)}${hello(c)}votre téléconsultation avec ${c.practitioner} est déplacée au ${c.at.dateShort} à ${c.at.time}. Salle d’attente : `, link(url)],
      [`Téléconsultation avec ${c.practitioner} déplacée au ${c.at.dateShort} à ${c.at.time}. Salle d’attente : `, link(url)],
      [`Téléconsultation déplacée au ${c.at.dateShort} à ${c.at.time}. Salle d’attente : `, link(url)],
    ],
  };
}

function cancellation(c: CopyContext): MessageCopy {
  const contact = c.clinic ? `le cabinet (${c.clinic})` : 'le cabinet';
  return {
    subject: `Annulation de votre téléconsultation du ${c.at.date}`,
    preheader: `Votre téléconsultation du ${c.at.date} à ${c.at.time} est annulée.`,
    paragraphs: [
      `Votre rendez-vous de téléconsultation avec ${c.practitioner} prévu le ${c.at.date} à ${c.at.timeWithZone} est annulé. Le lien de la salle d’attente n’est plus valable.`,
      `Pour prendre un nouveau rendez-vous, contactez ${contact}.`,
    ],
    actions: [],
    notes: [],
    sms: [
      [`${prefix(c)}${hello(c)}votre téléconsultation avec ${c.practitioner} du ${c.at.dateShort} à ${c.at.time} est annulée.`],
      [`Votre téléconsultation du ${c.at.dateShort} à ${c.at.time} est annulée.`],
    ],
  };
}

function ended(c: CopyContext): MessageCopy {
  const paragraphs = [`Votre téléconsultation du ${c.at.date} avec ${c.practitioner} est terminée. Merci de votre confiance.`];
  const actions: MessageCopy['actions'] = [];
  const payTail: SmsParts = c.paymentUrl ? [` Paiement${c.amount ? ` (${c.amount})` : ''} : `, link(c.paymentUrl)] : [];
  // Without a documents link, the patient's own link: the consultation space holds them.
  const docsTail: SmsParts = c.documentsUrl ? [` Documents : `, link(c.documentsUrl)] : c.patientUrl ? [' Votre consultation : ', link(c.patientUrl)] : [];
  if (c.paymentUrl) {
    paragraphs.push(`Pour effectuer le paiement de la téléconsultation${c.amount ? ` (${c.amount})` : ''}, cliquez sur le lien ci-dessous.`);
    actions.push({ label: 'Payer la téléconsultation', url: c.paymentUrl });
  }
  if (c.documentsUrl) {
    paragraphs.push('Vous pouvez télécharger les pièces jointes échangées pendant la téléconsultation.');
    actions.push({ label: 'Télécharger les pièces jointes', url: c.documentsUrl });
  } else if (c.patientUrl) {
    // The same link opens the consultation space: payment, documents and messages.
    paragraphs.push('Votre lien de téléconsultation reste valable : vous y retrouverez le paiement et les messages échangés.');
    actions.push({ label: 'Retrouver ma consultation', url: c.patientUrl });
  }
  return {
    subject: `Fin de votre téléconsultation avec ${c.practitioner}`,
    preheader: c.paymentUrl ? 'Votre lien pour effectuer le paiement de la téléconsultation.' : 'Votre téléconsultation est terminée.',
    paragraphs,
    actions,
    notes: [],
    sms: [
      [`${prefix(c)}Votre téléconsultation avec ${c.practitioner} est terminée.`, ...payTail, ...docsTail],
      ['Téléconsultation terminée.', ...payTail, ...docsTail],
    ],
  };
}

function paymentRequest(c: CopyContext): MessageCopy {
  const url = must(c.paymentUrl);
  const amount = must(c.amount);
  const paragraphs = [
    `${c.practitioner} vous invite à effectuer le paiement de votre téléconsultation du ${c.at.date} : ${amount}.`,
    'Le paiement se fait en ligne, de façon sécurisée, en cliquant sur le lien ci-dessous.',
  ];
  const actions = [{ label: `Payer ${amount}`, url }];
  if (c.documentsUrl) {
    paragraphs.push('Vous pouvez aussi télécharger les pièces jointes de la téléconsultation.');
    actions.push({ label: 'Télécharger les pièces jointes', url: c.documentsUrl });
  }
  return {
    subject: `Paiement de votre téléconsultation : ${amount}`,
    preheader: `Réglez votre téléconsultation du ${c.at.date} en ligne.`,
    paragraphs,
    actions,
    notes: [],
    sms: [
      [`${prefix(c)}${hello(c)}${c.practitioner} vous invite à régler votre téléconsultation du ${c.at.dateShort} (${amount}) : `, link(url)],
      [`Paiement de votre téléconsultation du ${c.at.dateShort} (${amount}) : `, link(url)],
      [`Paiement téléconsultation (${amount}) : `, link(url)],
    ],
  };
}

function paymentReminder(c: CopyContext): MessageCopy {
  const url = must(c.paymentUrl);
  const amount = must(c.amount);
  return {
    subject: `Rappel : paiement de votre téléconsultation (${amount})`,
    preheader: 'Le paiement de votre téléconsultation est en attente.',
    paragraphs: [
      `Sauf erreur de notre part, le paiement de votre téléconsultation du ${c.at.date} avec ${c.practitioner} (${amount}) n’a pas encore été effectué.`,
      'Vous pouvez le régler en ligne, de façon sécurisée, en cliquant sur le lien ci-dessous. Si vous avez déjà payé, ne tenez pas compte de ce message.',
    ],
    actions: [{ label: `Payer ${amount}`, url }],
    notes: [],
    sms: [
      [`${prefix(c)}Rappel : le paiement de votre téléconsultation du ${c.at.dateShort} avec ${c.practitioner} (${amount}) est en attente. Pour payer : `, link(url)],
      [`Rappel : paiement de votre téléconsultation du ${c.at.dateShort} (${amount}) : `, link(url)],
      [`Rappel paiement téléconsultation (${amount}) : `, link(url)],
    ],
  };
}

/** French. */
export const fr: LanguagePack = {
  frame: {
    colon: ' :',
    htmlLang: 'fr',
    greeting: (firstName) => (firstName ? `Bonjour ${firstName},` : 'Bonjour,'),
    closing: 'À bientôt,',
    linkFallback: 'Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :',
    footer: (sender) => `Ce message vous est envoyé par ${sender} au sujet de votre téléconsultation. Merci de ne pas y répondre. Ne transmettez pas vos liens : ils sont personnels.`,
  },
  kinds: {
    confirmation,
    reminder,
    invitation,
    rescheduled,
    cancellation,
    ended,
    payment_request: paymentRequest,
    payment_reminder: paymentReminder,
  },
};
