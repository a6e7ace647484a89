/** The journey's messages in English, for patients whose locale is `en…`. */
import { link, must, type CopyContext, type LanguagePack, type MessageCopy, type SmsParts } from './content.ts';

const TIPS = 'For your teleconsultation, find a quiet place with a good internet connection, and allow access to your camera and microphone when your browser asks.';
const JOIN = 'Join the waiting room';

const hello = (c: CopyContext): string => (c.firstName ? `Hello ${c.firstName}, ` : 'Hello, ');
const prefix = (c: CopyContext): string => (c.clinic ? `${c.clinic}: ` : '');

function confirmation(c: CopyContext): MessageCopy {
  const url = must(c.patientUrl);
  return {
    subject: `Teleconsultation confirmed on ${c.at.date} at ${c.at.time}`,
    preheader: `Your link to join the waiting room on ${c.at.date} at ${c.at.time}.`,
    paragraphs: [
      `Your teleconsultation with ${c.practitioner} is confirmed on ${c.at.date} at ${c.at.timeWithZone}.`,
      'On the day, click the link below to join the waiting room. You will also receive an invitation to join the waiting room a few minutes before the teleconsultation.',
    ],
    actions: [{ label: JOIN, url }],
    notes: [TIPS],
    sms: [
      [`${prefix(c)}${hello(c)}your teleconsultation with ${c.practitioner} is confirmed on ${c.at.dateShort} at ${c.at.time}. To join the waiting room: `, link(url)],
      [`Teleconsultation with ${c.practitioner} confirmed on ${c.at.dateShort} at ${c.at.time}. Waiting room: `, link(url)],
      [`Teleconsultation confirmed on ${c.at.dateShort} at ${c.at.time}. Waiting room: `, link(url)],
    ],
  };
}

function reminder(c: CopyContext): MessageCopy {
  const url = must(c.patientUrl);
  return {
    subject: `Reminder: teleconsultation on ${c.at.date} at ${c.at.time}`,
    preheader: `Your teleconsultation with ${c.practitioner} is coming up.`,
    paragraphs: [
      `This is a reminder of your teleconsultation with ${c.practitioner} on ${c.at.date} at ${c.at.timeWithZone}.`,
      'At the time of your appointment, click the link below to join the waiting room. If you cannot attend, please let the practice know.',
    ],
    actions: [{ label: JOIN, url }],
    notes: [TIPS],
    sms: [
      [`${prefix(c)}Reminder: ${hello(c)}your teleconsultation with ${c.practitioner} is on ${c.at.dateShort} at ${c.at.time}. When it is time, join the waiting room: `, link(url)],
      [`Reminder: teleconsultation with ${c.practitioner} on ${c.at.dateShort} at ${c.at.time}. Waiting room: `, link(url)],
      [`Reminder: teleconsultation on ${c.at.dateShort} at ${c.at.time}. Waiting room: `, link(url)],
    ],
  };
}

function invitation(c: CopyContext): MessageCopy {
  const url = must(c.patientUrl);
  return {
    subject: `Your teleconsultation starts at ${c.at.time}: join the waiting room`,
    preheader: `${c.practitioner} will see you by teleconsultation at ${c.at.time}.`,
    paragraphs: [
      `Your teleconsultation with ${c.practitioner} starts at ${c.at.timeWithZone} on ${c.at.date}.`,
      `You can join the waiting room now: ${c.practitioner} will admit you to the teleconsultation as soon as possible.`,
    ],
    actions: [{ label: JOIN, url }],
    notes: [TIPS],
    sms: [
      [`${prefix(c)}${hello(c)}your teleconsultation with ${c.practitioner} starts at ${c.at.time}. Join the waiting room now: `, link(url)],
      [`Your teleconsultation with ${c.practitioner} starts at ${c.at.time}. Waiting room: `, link(url)],
      [`Teleconsultation at ${c.at.time}. Waiting room: `, link(url)],
    ],
  };
}

function rescheduled(c: CopyContext): MessageCopy {
  const url = must(c.patientUrl);
  const was = c.previous ? `, previously on ${c.previous.date} at ${c.previous.time},` : '';
  return {
    subject: `Teleconsultation moved to ${c.at.date} at ${c.at.time}`,
    preheader: `New time: ${c.at.date} at ${c.at.time}.`,
    paragraphs: [
      `Your teleconsultation with ${c.practitioner}${was} has been moved to ${c.at.date} at ${c.at.timeWithZone}.`,
      'On the day of the new appointment, click the link below to join the waiting room.',
    ],
    actions: [{ label: JOIN, url }],
    notes: [TIPS],
    sms: [
      [`${prefix(c)}${hello(c)}your teleconsultation with ${c.practitioner} has been moved to ${c.at.dateShort} at ${c.at.time}. Waiting room: `, link(url)],
      [`Teleconsultation with ${c.practitioner} moved to ${c.at.dateShort} at ${c.at.time}. Waiting room: `, link(url)],
      [`Teleconsultation moved to ${c.at.dateShort} at ${c.at.time}. Waiting room: `, link(url)],
    ],
  };
}

function cancellation(c: CopyContext): MessageCopy {
  const contact = c.clinic ? `the practice (${c.clinic})` : 'the practice';
  return {
    subject: `Your teleconsultation on ${c.at.date} is cancelled`,
    preheader: `Your teleconsultation on ${c.at.date} at ${c.at.time} is cancelled.`,
    paragraphs: [
      `Your teleconsultation with ${c.practitioner} on ${c.at.date} at ${c.at.timeWithZone} is cancelled. The waiting room link is no longer valid.`,
      `To book a new appointment, please contact ${contact}.`,
    ],
    actions: [],
    notes: [],
    sms: [
      [`${prefix(c)}${hello(c)}your teleconsultation with ${c.practitioner} on ${c.at.dateShort} at ${c.at.time} is cancelled.`],
      [`Your teleconsultation on ${c.at.dateShort} at ${c.at.time} is cancelled.`],
    ],
  };
}

function ended(c: CopyContext): MessageCopy {
  const paragraphs = [`Your teleconsultation of ${c.at.date} with ${c.practitioner} has ended. Thank you.`];
  const actions: MessageCopy['actions'] = [];
  const payTail: SmsParts = c.paymentUrl ? [` Payment${c.amount ? ` (${c.amount})` : ''}: `, link(c.paymentUrl)] : [];
  // Without a documents link, the patient's own link: the consultation space holds them.
  const docsTail: SmsParts = c.documentsUrl ? [' Documents: ', link(c.documentsUrl)] : c.patientUrl ? [' Your consultation: ', link(c.patientUrl)] : [];
  if (c.paymentUrl) {
    paragraphs.push(`To pay for the teleconsultation${c.amount ? ` (${c.amount})` : ''}, click the link below.`);
    actions.push({ label: 'Pay for the teleconsultation', url: c.paymentUrl });
  }
  if (c.documentsUrl) {
    paragraphs.push('You can download the documents shared during the teleconsultation.');
    actions.push({ label: 'Download the documents', url: c.documentsUrl });
  } else if (c.patientUrl) {
    // The same link opens the consultation space: payment, documents and messages.
    paragraphs.push('Your teleconsultation link stays valid: you will find the payment and the messages there.');
    actions.push({ label: 'Back to my consultation', url: c.patientUrl });
  }
  return {
    subject: `Your teleconsultation with ${c.practitioner} has ended`,
    preheader: c.paymentUrl ? 'Your link to pay for the teleconsultation.' : 'Your teleconsultation has ended.',
    paragraphs,
    actions,
    notes: [],
    sms: [
      [`${prefix(c)}Your teleconsultation with ${c.practitioner} has ended.`, ...payTail, ...docsTail],
      ['Teleconsultation ended.', ...payTail, ...docsTail],
    ],
  };
}

function paymentRequest(c: CopyContext): MessageCopy {
  const url = must(c.paymentUrl);
  const amount = must(c.amount);
  const paragraphs = [
    `${c.practitioner} asks you to pay for your teleconsultation of ${c.at.date}: ${amount}.`,
    'Payment is made online, securely, through the link below.',
  ];
  const actions = [{ label: `Pay ${amount}`, url }];
  if (c.documentsUrl) {
    paragraphs.push('You can also download the documents of the teleconsultation.');
    actions.push({ label: 'Download the documents', url: c.documentsUrl });
  }
  return {
    subject: `Payment for your teleconsultation: ${amount}`,
    preheader: `Pay for your teleconsultation of ${c.at.date} online.`,
    paragraphs,
    actions,
    notes: [],
    sms: [
      [`${prefix(c)}${hello(c)}${c.practitioner} asks you to pay for your teleconsultation of ${c.at.dateShort} (${amount}): `, link(url)],
      [`Payment for your teleconsultation of ${c.at.dateShort} (${amount}): `, link(url)],
      [`Teleconsultation payment (${amount}): `, link(url)],
    ],
  };
}

function paymentReminder(c: CopyContext): MessageCopy {
  const url = must(c.paymentUrl);
  const amount = must(c.amount);
  return {
    subject: `Reminder: payment for your teleconsultation (${amount})`,
    preheader: 'The payment for your teleconsultation is pending.',
    paragraphs: [
      `Unless we are mistaken, the payment for your teleconsultation of ${c.at.date} with ${c.practitioner} (${amount}) has not been made yet.`,
      'You can pay online, securely, through the link below. If you have already paid, please ignore this message.',
    ],
    actions: [{ label: `Pay ${amount}`, url }],
    notes: [],
    sms: [
      [`${prefix(c)}Reminder: the payment for your teleconsultation of ${c.at.dateShort} with ${c.practitioner} (${amount}) is pending. To pay: `, link(url)],
      [`Reminder: payment for your teleconsultation of ${c.at.dateShort} (${amount}): `, link(url)],
      [`Teleconsultation payment reminder (${amount}): `, link(url)],
    ],
  };
}

/** English. */
export const en: LanguagePack = {
  frame: {
    colon: ':',
    htmlLang: 'en',
    greeting: (firstName) => (firstName ? `Hello ${firstName},` : 'Hello,'),
    closing: 'Kind regards,',
    linkFallback: 'If the button does not work, copy this link into your browser:',
    footer: (sender) => `This message is sent to you by ${sender} about your teleconsultation. Please do not reply. Do not share your links: they are personal.`,
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
