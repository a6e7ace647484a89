/**
 * Sending sign-in links: the practitioners known by an email (the agenda's practitioner of
 * some teleconsultation, per clinic), a link for each, by email through the configured
 * provider (SendGrid, or the dev outbox). The email, the link and its token are never logged.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { teleconsultations, type PractitionerInfo } from '../db/schema/index.ts';
import type { EmailProvider } from '../notifications/providers/types.ts';
import { isEmailAddress } from '../notifications/providers/types.ts';
import type { LanguageFrame, MessageCopy } from '../notifications/templates/content.ts';
import { renderHtml, renderText } from '../notifications/templates/email-layout.ts';
import { pickLanguage } from '../notifications/templates/format.ts';
import type { Language } from '../notifications/templates/types.ts';
import type { Services } from '../services.ts';
import { clinicSettings } from '../teleconsultations/clinic-settings.ts';
import { createSignInLink, linksSentSince, signInUrl, type PractitionerRef } from './session.ts';

/** Links sent to one practitioner within one link lifetime, at most (whoever asks). */
export const MAX_LINKS_PER_LIFETIME = 5;

/** A practitioner found by email, as the newest teleconsultation names them. */
export interface KnownPractitioner extends PractitionerRef {
  info: PractitionerInfo;
}

/** The practitioners (one per clinic and id) whose agenda email is `email`, case aside. */
export async function practitionersByEmail(q: Queryable, email: string): Promise<KnownPractitioner[]> {
  const rows = await q.selectDistinctOn([teleconsultations.clinicId, sql`${teleconsultations.practitioner}->>'id'`], {
    clinicId: teleconsultations.clinicId, practitioner: teleconsultations.practitioner,
  }).from(teleconsultations)
    .where(sql`lower(${teleconsultations.practitioner}->>'email') = ${email.trim().toLowerCase()}`)
    .orderBy(teleconsultations.clinicId, sql`${teleconsultations.practitioner}->>'id'`, desc(teleconsultations.startsAt));
  return rows.map((r) => ({ clinicId: r.clinicId, practitionerId: r.practitioner.id, info: r.practitioner }));
}

/** A practitioner by ids, as their newest teleconsultation names them. */
export async function practitionerInfo(q: Queryable, who: PractitionerRef): Promise<PractitionerInfo | undefined> {
  const [row] = await q.select({ practitioner: teleconsultations.practitioner }).from(teleconsultations)
    .where(and(eq(teleconsultations.clinicId, who.clinicId), sql`${teleconsultations.practitioner}->>'id' = ${who.practitionerId}`))
    .orderBy(desc(teleconsultations.startsAt)).limit(1);
  return row?.practitioner;
}

/** "d…@clinique.fr": enough to recognise one's address, not enough to learn it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '…';
  return `${email.charAt(0)}…${email.slice(at)}`;
}

const FRAMES: Record<Language, LanguageFrame> = {
  fr: {
    htmlLang: 'fr', colon: ' :', closing: 'Bonne journée,',
    greeting: (name) => (name ? `Bonjour ${name},` : 'Bonjour,'),
    linkFallback: 'Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :',
    footer: (sender) => `Ce message vous est envoyé par ${sender} parce qu'un lien de connexion à « Suivi et paiement » a été demandé pour votre adresse. Si ce n'est pas vous, ignorez-le : sans ce lien, personne ne peut se connecter.`,
  },
  en: {
    htmlLang: 'en', colon: ':', closing: 'Best regards,',
    greeting: (name) => (name ? `Hello ${name},` : 'Hello,'),
    linkFallback: 'If the button does not work, copy this link into your browser:',
    footer: (sender) => `This message is sent by ${sender} because a sign-in link to "Follow-up and payment" was requested for your address. If it was not you, ignore it: without this link, nobody can sign in.`,
  },
};

/** The sign-in email's words. */
export function signInCopy(language: Language, url: string, minutes: number): MessageCopy {
  if (language === 'en') {
    return {
      subject: 'Your sign-in link to "Follow-up and payment"', preheader: `Valid for ${minutes} minutes.`,
      paragraphs: ['Here is your link to your teleconsultations, their payments and the documents exchanged.', `It works for ${minutes} minutes, on the device where you open it.`],
      actions: [{ label: 'Open "Follow-up and payment"', url }], notes: ['Do not forward this link: it opens your space.'], sms: [],
    };
  }
  return {
    subject: 'Votre lien de connexion à « Suivi et paiement »', preheader: `Valable ${minutes} minutes.`,
    paragraphs: ['Voici votre lien vers vos téléconsultations, leurs paiements et les documents transmis.', `Il fonctionne pendant ${minutes} minutes, sur l'appareil où vous l'ouvrez.`],
    actions: [{ label: 'Ouvrir « Suivi et paiement »', url }], notes: ['Ne transférez pas ce lien : il ouvre votre espace.'], sms: [],
  };
}

/** What sending needs: the service's parts and the current email provider. */
export interface SignInDeps {
  services: Services;
  email: () => EmailProvider;
}

export type SendOutcome = 'sent' | 'throttled' | 'no-email' | 'channel-off';

/** Makes a link for one practitioner and emails it; `language` overrides the practitioner's locale. */
export async function sendSignInLink(deps: SignInDeps, who: KnownPractitioner, language?: string): Promise<SendOutcome> {
  const { config, database, now, log } = deps.services;
  const db = database.db;
  const minutes = config.followUp.signInLinkMinutes;
  const provider = deps.email();
  if (provider.off) return 'channel-off';
  if (!isEmailAddress(who.info.email)) return 'no-email';
  const at = now();
  if (await linksSentSince(db, who, new Date(at.getTime() - minutes * 60_000)) >= MAX_LINKS_PER_LIFETIME) {
    log.info({ clinicId: who.clinicId, practitionerId: who.practitionerId }, 'sign-in link not sent: too many asked');
    return 'throttled';
  }
  const id = await createSignInLink(db, who, at, minutes);
  const lang = pickLanguage(language ?? who.info.locale);
  const copy = signInCopy(lang, signInUrl(config.publicUrl, config.linkSecret, id), minutes);
  const settings = await clinicSettings(db, who.clinicId, config.clinicDefaults);
  const sig = { firstName: who.info.name, sender: settings.senderName };
  await provider.sendEmail({
    to: who.info.email, subject: copy.subject, html: renderHtml(copy, FRAMES[lang], sig), text: renderText(copy, FRAMES[lang], sig),
    fromName: settings.senderName, messageRef: randomUUID(),
  });
  log.info({ clinicId: who.clinicId, practitionerId: who.practitionerId }, 'sign-in link sent');
  return 'sent';
}
