import { countSmsSegments } from '../sms-segments.ts';
import { pickLanguage } from './format.ts';
import { renderMessage } from './render-message.ts';
import { MESSAGE_KINDS, TemplateError, type MessageKind, type MessageVars } from './types.ts';

const BASE = 'https://teleconsultation.centre-medical-exemple.fr';
const TOKEN = '3f9aQx7Lm2Zk8Vb1Nc4Rt6Yw0Hs5Jd9Ge3Uf_-Kp';

/** Long-ish names, the clinic's full name and links of a realistic length. */
const longVars = (over: Partial<MessageVars> = {}): MessageVars => ({
  patientFirstName: 'Marie-Éléonore',
  practitionerName: 'Dr Jean-Baptiste de La Rochefoucauld-Montmorency',
  clinicName: 'Centre médical pluridisciplinaire du Val-de-Marne',
  startsAt: new Date('2026-06-16T08:30:00Z'),
  previousStartsAt: new Date('2026-06-15T12:00:00Z'),
  timezone: 'Europe/Paris',
  patientUrl: `${BASE}/p/${TOKEN}`,
  paymentUrl: `${BASE}/pay/${TOKEN}`,
  documentsUrl: `${BASE}/docs/${TOKEN}`,
  amount: { value: 3500, currency: 'EUR' },
  ...over,
});

/** The link the SMS of each kind must carry. */
const SMS_LINKS: Record<MessageKind, (v: MessageVars) => string[]> = {
  confirmation: (v) => [v.patientUrl!],
  reminder: (v) => [v.patientUrl!],
  invitation: (v) => [v.patientUrl!],
  rescheduled: (v) => [v.patientUrl!],
  cancellation: () => [],
  ended: (v) => [v.paymentUrl!, v.documentsUrl!],
  payment_request: (v) => [v.paymentUrl!],
  payment_reminder: (v) => [v.paymentUrl!],
};

function thrown(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('expected a TemplateError');
}

describe('pickLanguage', () => {
  it('reads fr… as French, en… as English, anything else as French', () => {
    expect(['fr', 'fr-FR', 'FR_ca', 'fr-BE'].map(pickLanguage)).toEqual(['fr', 'fr', 'fr', 'fr']);
    expect(['en', 'en-US', 'EN_gb', ' en-GB '].map(pickLanguage)).toEqual(['en', 'en', 'en', 'en']);
    expect(['de-DE', 'es', '', 'eng', undefined, null].map(pickLanguage)).toEqual(['fr', 'fr', 'fr', 'fr', 'fr', 'fr']);
  });
});

describe('renderMessage: SMS length', () => {
  for (const locale of ['fr-FR', 'en-GB']) {
    for (const kind of MESSAGE_KINDS) {
      it(`${kind} (${locale}) fits 2 GSM-7 segments with long names, links intact`, () => {
        const vars = longVars();
        const { sms } = renderMessage(kind, vars, locale);
        const count = countSmsSegments(sms);
        expect(count.encoding).withContext(sms).toBe('GSM-7');
        expect(count.segments).withContext(sms).toBeLessThanOrEqual(2);
        for (const url of SMS_LINKS[kind](vars)) {
          // The link is whole and ends the SMS or is followed by a space (no punctuation glued to it).
          expect(sms).toMatch(new RegExp(`${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}( |$)`));
        }
      });
    }
  }

  it('keeps the richest wording when it fits, with the patient’s first name', () => {
    const short = longVars({ patientFirstName: 'Léa', practitionerName: 'Dr Roy', clinicName: 'Cabinet Roy' });
    const { sms } = renderMessage('confirmation', short, 'fr');
    expect(sms).toBe(`Cabinet Roy : Bonjour Léa, votre téléconsultation avec Dr Roy est confirmée le mar. 16 juin à 10h30. Pour rejoindre la salle d'attente : ${short.patientUrl}`);
    expect(countSmsSegments(sms).segments).toBe(2);
  });

  it('drops names rather than go to UCS-2 or past 2 segments for a name in another script', () => {
    const vars = longVars({ patientFirstName: '王芳', practitionerName: 'Dr 李明' });
    for (const kind of MESSAGE_KINDS) {
      const { sms } = renderMessage(kind, vars, 'fr');
      expect(countSmsSegments(sms).segments).withContext(`${kind}: ${sms}`).toBeLessThanOrEqual(2);
    }
  });

  it('never cuts a link, even one too long to fit 2 segments', () => {
    const url = `${BASE}/p/${'x'.repeat(400)}`;
    const { sms } = renderMessage('invitation', longVars({ patientUrl: url }), 'fr');
    expect(sms).toContain(url);
    expect(sms).toBe(`Téléconsultation à 10h30. Salle d'attente : ${url}`);
  });

  it('passes the wording through GSM-7 (typographic apostrophe, narrow space before €)', () => {
    const { sms } = renderMessage('payment_request', longVars({ patientFirstName: 'Léa', practitionerName: 'Dr Roy', clinicName: undefined }), 'fr');
    expect(sms).toContain("Dr Roy vous invite à régler votre téléconsultation du mar. 16 juin (35,00 €) : ");
    expect(sms).not.toMatch(/[\u2019\u202f\u00a0]/);
    expect(renderMessage('payment_request', longVars(), 'fr').email.text).toContain('35,00\u00a0€');
  });
});

describe('renderMessage: words and links', () => {
  it('writes the confirmation in French with the help page’s words and the waiting-room link', () => {
    const vars = longVars();
    const { email } = renderMessage('confirmation', vars, 'fr-FR');
    expect(email.subject).toBe('Téléconsultation confirmée le mardi 16 juin 2026 à 10h30');
    expect(email.text).toContain('Bonjour Marie-Éléonore,');
    expect(email.text).toContain('rendez-vous de téléconsultation avec Dr Jean-Baptiste de La Rochefoucauld-Montmorency est confirmé le mardi 16 juin 2026 à 10h30 (heure de Paris)');
    expect(email.text).toContain(`Rejoindre la salle d’attente :\n${vars.patientUrl}`);
    expect(email.html).toContain(`<a href="${vars.patientUrl}"`);
    expect(email.html).toContain('<html lang="fr">');
  });

  it('writes the same message in English for an English patient', () => {
    const vars = longVars();
    const { email, sms } = renderMessage('confirmation', vars, 'en-US');
    expect(email.subject).toBe('Teleconsultation confirmed on Tuesday 16 June 2026 at 10:30');
    expect(email.text).toContain('Hello Marie-Éléonore,');
    expect(email.text).toContain('10:30 (Paris time)');
    expect(email.html).toContain('<html lang="en">');
    expect(`${email.subject}${email.text}${email.html}${sms}`).not.toMatch(/téléconsultation|salle d/i);
  });

  it('uses the teleconsultation wording for the reminder and the invitation', () => {
    const reminder = renderMessage('reminder', longVars(), 'fr');
    expect(reminder.email.subject).toBe('Rappel : téléconsultation le mardi 16 juin 2026 à 10h30');
    expect(reminder.email.text).toContain('rejoindre la salle d’attente');
    const invitation = renderMessage('invitation', longVars(), 'fr');
    expect(invitation.email.subject).toBe('Votre téléconsultation commence à 10h30 : rejoignez la salle d’attente');
    expect(invitation.email.text).toContain('Vous pouvez dès maintenant rejoindre la salle d’attente');
  });

  it('states the former and the new time of a moved appointment', () => {
    const { email } = renderMessage('rescheduled', longVars(), 'fr');
    expect(email.text).toContain('prévu le lundi 15 juin 2026 à 14h00, est déplacé au mardi 16 juin 2026 à 10h30 (heure de Paris)');
    const withoutPrevious = renderMessage('rescheduled', longVars({ previousStartsAt: undefined }), 'en');
    expect(withoutPrevious.email.text).toContain('Montmorency has been moved to Tuesday 16 June 2026 at 10:30 (Paris time)');
  });

  it('sends no link in a cancellation', () => {
    const vars = longVars();
    const { email, sms } = renderMessage('cancellation', vars, 'fr');
    expect(email.subject).toBe('Annulation de votre téléconsultation du mardi 16 juin 2026');
    expect(email.text).toContain('est annulé');
    expect(`${email.text}${email.html}${sms}`).not.toContain(BASE);
  });

  it('gives the payment link and the documents at the end of the teleconsultation, each only when there is one, and the consultation space otherwise', () => {
    const both = renderMessage('ended', longVars(), 'fr');
    expect(both.email.text).toContain('Pour effectuer le paiement de la téléconsultation (35,00\u00a0€)');
    expect(both.email.text).toContain('télécharger les pièces jointes');
    expect(both.email.text).toContain(`${BASE}/pay/${TOKEN}`);
    expect(both.email.text).toContain(`${BASE}/docs/${TOKEN}`);

    const none = renderMessage('ended', longVars({ paymentUrl: undefined, documentsUrl: undefined, amount: undefined, patientUrl: undefined }), 'fr');
    expect(`${none.email.text}${none.sms}`).not.toContain(BASE);
    // Without documents, the email leads to the consultation space (the patient's own link).
    const space = renderMessage('ended', longVars({ paymentUrl: undefined, documentsUrl: undefined, amount: undefined }), 'fr');
    expect(space.email.text).toContain(`${BASE}/p/${TOKEN}`);
    expect(space.email.text).toContain('Retrouver ma consultation');
    expect(space.sms).toContain(`Votre consultation : ${BASE}/p/${TOKEN}`);
    expect(renderMessage('ended', longVars({ paymentUrl: undefined, documentsUrl: undefined, amount: undefined }), 'en').sms).toContain(`Your consultation: ${BASE}/p/${TOKEN}`);
    expect(both.sms).not.toContain(`${BASE}/p/${TOKEN}`);
    expect(renderMessage('ended', longVars(), 'fr').email.text).not.toContain(`${BASE}/p/${TOKEN}`);
    expect(none.sms).toBe('Centre médical pluridisciplinaire du Val-de-Marne : Votre téléconsultation avec Dr Jean-Baptiste de La Rochefoucauld-Montmorency est terminée.');

    const docsOnly = renderMessage('ended', longVars({ paymentUrl: undefined, amount: undefined }), 'en');
    expect(docsOnly.email.text).not.toContain('/pay/');
    expect(docsOnly.sms).toContain(`Documents: ${BASE}/docs/${TOKEN}`);
  });

  it('shows the amount in the currency’s own format', () => {
    expect(renderMessage('payment_request', longVars(), 'fr').email.subject).toBe('Paiement de votre téléconsultation : 35,00\u00a0€');
    expect(renderMessage('payment_request', longVars(), 'en').email.subject).toBe('Payment for your teleconsultation: €35.00');
    expect(renderMessage('payment_reminder', longVars({ amount: { value: 3500, currency: 'JPY' } }), 'en').email.subject).toBe('Reminder: payment for your teleconsultation (JP¥3,500)');
  });
});

describe('renderMessage: escaping', () => {
  it('escapes names in the HTML and keeps them as they are in the text and SMS', () => {
    const vars = longVars({ patientFirstName: '<script>alert("x")</script>', practitionerName: 'Dr O\'Brien & Fils', clinicName: 'A<b>B' });
    const { email, sms } = renderMessage('invitation', vars, 'fr');
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<b>');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(email.html).toContain('Dr O&#39;Brien &amp; Fils');
    expect(email.text).toContain('Bonjour <script>alert("x")</script>,');
    expect(sms).toContain("Dr O'Brien & Fils");
  });

  it('escapes links in attributes and keeps the subject on one line', () => {
    const url = `${BASE}/p/${TOKEN}?a=1&b="2"`;
    const { email } = renderMessage('confirmation', longVars({ patientUrl: url, practitionerName: 'Dr\nRoy\r\nBcc: x@y' }), 'fr');
    expect(email.html).toContain(`href="${BASE}/p/${TOKEN}?a=1&amp;b=&quot;2&quot;"`);
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.text).toContain('avec Dr Roy Bcc: x@y est confirmé');
  });
});

describe('renderMessage: variables', () => {
  it('refuses a payment request without its payment link or amount (TEMPLATE_VARIABLE_MISSING)', () => {
    const noLink = thrown(() => renderMessage('payment_request', longVars({ paymentUrl: undefined }), 'fr'));
    expect([noLink.code, noLink.kind, noLink.variable]).toEqual(['TEMPLATE_VARIABLE_MISSING', 'payment_request', 'paymentUrl']);
    expect(noLink.message).toBe("Template 'payment_request' needs the variable 'paymentUrl'");
    const noAmount = thrown(() => renderMessage('payment_reminder', longVars({ amount: undefined }), 'fr'));
    expect([noAmount.code, noAmount.variable]).toEqual(['TEMPLATE_VARIABLE_MISSING', 'amount']);
  });

  it('refuses the waiting-room messages without the patient link, and any message without a practitioner', () => {
    for (const kind of ['confirmation', 'reminder', 'invitation', 'rescheduled'] as const) {
      expect(thrown(() => renderMessage(kind, longVars({ patientUrl: undefined }), 'fr')).variable).toBe('patientUrl');
    }
    for (const kind of MESSAGE_KINDS) {
      const err = thrown(() => renderMessage(kind, longVars({ practitionerName: '  ' }), 'fr'));
      expect([err.code, err.variable]).toEqual(['TEMPLATE_VARIABLE_MISSING', 'practitionerName']);
    }
  });

  it('accepts an empty first name and greets without it', () => {
    const { email } = renderMessage('reminder', longVars({ patientFirstName: '' }), 'fr');
    expect(email.text.startsWith('Bonjour,\n')).toBeTrue();
  });

  it('refuses invalid values without quoting them (TEMPLATE_VARIABLE_INVALID)', () => {
    const cases: Array<[Partial<MessageVars>, string]> = [
      [{ timezone: 'Mars/Olympus_Mons' }, 'timezone'],
      [{ startsAt: new Date('nonsense') }, 'startsAt'],
      [{ patientUrl: 'javascript:alert(1)' }, 'patientUrl'],
      [{ paymentUrl: 'not a url' }, 'paymentUrl'],
      [{ amount: { value: 12.5, currency: 'EUR' } }, 'amount'],
      [{ amount: { value: 1000, currency: 'euro' } }, 'amount'],
    ];
    for (const [over, variable] of cases) {
      const err = thrown(() => renderMessage('payment_request', longVars(over), 'fr'));
      expect([err.code, err.variable]).withContext(variable).toEqual(['TEMPLATE_VARIABLE_INVALID', variable]);
      expect(err.message).not.toContain('javascript');
      expect(err.message).not.toContain('Olympus');
    }
  });

  it('refuses an unknown kind', () => {
    expect(thrown(() => renderMessage('birthday' as MessageKind, longVars(), 'fr')).code).toBe('TEMPLATE_KIND_UNKNOWN');
  });
});

describe('renderMessage: time zones and daylight saving', () => {
  const at = (iso: string, kind: MessageKind = 'invitation', locale = 'fr', timezone = 'Europe/Paris') =>
    renderMessage(kind, longVars({ startsAt: new Date(iso), timezone, clinicName: undefined, patientFirstName: 'Léa', practitionerName: 'Dr Roy' }), locale);

  it('shows the practitioner’s local time on each side of the spring change (2026-03-29)', () => {
    expect(at('2026-03-28T09:30:00Z').sms).toContain('commence à 10h30.'); // CET, UTC+1
    expect(at('2026-03-29T08:30:00Z').sms).toContain('commence à 10h30.'); // CEST, UTC+2
    expect(at('2026-03-29T00:30:00Z').sms).toContain('commence à 01h30.');
    expect(at('2026-03-29T01:30:00Z').sms).toContain('commence à 03h30.'); // 02:30 does not exist that night
    expect(at('2026-03-29T01:30:00Z', 'confirmation').email.subject).toBe('Téléconsultation confirmée le dimanche 29 mars 2026 à 03h30');
  });

  it('shows the practitioner’s local time on each side of the autumn change (2026-10-25), and which 02:30 is meant', () => {
    expect(at('2026-10-24T23:30:00Z').sms).toContain('commence à 01h30.'); // before the change, UTC+2
    expect(at('2026-10-25T00:30:00Z').sms).toContain('commence à 02h30 (UTC+2).');
    expect(at('2026-10-25T01:30:00Z').sms).toContain('commence à 02h30 (UTC+1).');
    expect(at('2026-10-25T02:30:00Z').sms).toContain('commence à 03h30.');
    expect(at('2026-10-25T09:30:00Z').sms).toContain('commence à 10h30.'); // after the change, UTC+1
    expect(at('2026-10-24T08:30:00Z').sms).toContain('commence à 10h30.'); // the day before, UTC+2
    expect(at('2026-10-25T01:30:00Z', 'confirmation', 'en').email.text).toContain('on Sunday 25 October 2026 at 02:30 (Paris time, UTC+1)');
  });

  it('uses the practitioner’s zone, not the server’s', () => {
    expect(at('2026-06-16T14:30:00Z', 'invitation', 'en', 'America/New_York').email.text).toContain('starts at 10:30 (New York time) on Tuesday 16 June 2026');
    expect(at('2026-06-16T14:30:00Z', 'invitation', 'fr', 'Europe/Paris').email.text).toContain('commence à 16h30 (heure de Paris), le mardi 16 juin 2026');
  });
});
