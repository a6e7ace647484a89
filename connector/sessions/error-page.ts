/**
 * The small page a browser sees when a link cannot be opened: French first, English below,
 * with the code for support. Other clients get the usual JSON error body.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody, ErrorCode } from '#protocol/errors';
import { escapeHtml, htmlPage } from '../http/html-page.ts';

interface PageText { title: string; body: string }

const TEXTS: Partial<Record<ErrorCode, { fr: PageText; en: PageText }>> = {
  LINK_INVALID: {
    fr: { title: 'Lien invalide', body: "Ce lien de téléconsultation n'est pas reconnu. Vérifiez qu'il est complet, ou contactez le cabinet." },
    en: { title: 'Invalid link', body: 'This teleconsultation link is not recognised. Check that it is complete, or contact the practice.' },
  },
  LINK_CANCELLED: {
    fr: { title: 'Téléconsultation annulée', body: 'Cette téléconsultation a été annulée. Contactez le cabinet pour un nouveau rendez-vous.' },
    en: { title: 'Teleconsultation cancelled', body: 'This teleconsultation was cancelled. Contact the practice for a new appointment.' },
  },
  LINK_REVOKED: {
    fr: { title: 'Lien remplacé', body: 'Ce lien ne fonctionne plus : utilisez le dernier lien reçu, ou contactez le cabinet.' },
    en: { title: 'Link replaced', body: 'This link no longer works: use the latest link you received, or contact the practice.' },
  },
  RATE_LIMITED: {
    fr: { title: 'Trop de tentatives', body: 'Trop de liens ont été ouverts depuis cette connexion. Réessayez dans une minute.' },
    en: { title: 'Too many attempts', body: 'Too many links were opened from this connection. Try again in a minute.' },
  },
  LINK_EXPIRED: {
    fr: { title: 'Lien expiré', body: 'Ce lien de téléconsultation a expiré. Contactez le cabinet si besoin.' },
    en: { title: 'Link expired', body: 'This teleconsultation link has expired. Contact the practice if needed.' },
  },
  SIGN_IN_LINK_INVALID: {
    fr: { title: 'Lien de connexion invalide', body: "Ce lien de connexion à « Suivi et paiement » n'est pas reconnu. Vérifiez qu'il est complet, ou demandez-en un nouveau." },
    en: { title: 'Invalid sign-in link', body: 'This sign-in link to "Follow-up and payment" is not recognised. Check that it is complete, or ask for a new one.' },
  },
  SIGN_IN_LINK_EXPIRED: {
    fr: { title: 'Lien de connexion expiré', body: 'Ce lien de connexion à « Suivi et paiement » a expiré : demandez-en un nouveau.' },
    en: { title: 'Sign-in link expired', body: 'This sign-in link to "Follow-up and payment" has expired: ask for a new one.' },
  },
  FOLLOW_UP_SESSION_REQUIRED: {
    fr: { title: 'Connexion requise', body: 'Connectez-vous à « Suivi et paiement » avec un lien reçu par e-mail.' },
    en: { title: 'Sign-in required', body: 'Sign in to "Follow-up and payment" with a link received by email.' },
  },
  CALL_CLOSED: {
    fr: { title: 'Téléconsultation terminée', body: "Le rendez-vous est passé : la salle d'attente ne peut plus être rejointe." },
    en: { title: 'Teleconsultation over', body: 'The appointment is over: the waiting room can no longer be joined.' },
  },
};

const FALLBACK = {
  fr: { title: 'Lien indisponible', body: "Ce lien ne peut pas être ouvert pour l'instant." },
  en: { title: 'Link unavailable', body: 'This link cannot be opened right now.' },
};

/** The HTML page for an error code. */
export function errorPage(code: ErrorCode): string {
  const t = TEXTS[code] ?? FALLBACK;
  const css = 'body{color:#1f2933;margin-top:2rem}h1{font-size:1.4rem}.en{color:#52606d;border-top:1px solid #e4e7eb;margin-top:2rem;padding-top:1rem}code{color:#52606d}';
  return htmlPage({ lang: 'fr', title: t.fr.title, css, body: `<main><h1>${escapeHtml(t.fr.title)}</h1><p>${escapeHtml(t.fr.body)}</p>
<section class="en" lang="en"><h2>${escapeHtml(t.en.title)}</h2><p>${escapeHtml(t.en.body)}</p></section>
<p><small>Code : <code>${escapeHtml(code)}</code></small></p></main>` });
}

/** Whether the client asked for a page rather than JSON. */
export function wantsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/i.test(request.headers.accept ?? '');
}

/** Answers an error as a page for browsers and as `{error:{code,message}}` otherwise. */
export function sendLinkError(request: FastifyRequest, reply: FastifyReply, status: number, code: ErrorCode): FastifyReply {
  void reply.header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer');
  request.log.info({ code, status }, 'link refused');
  if (wantsHtml(request)) return reply.status(status).type('text/html; charset=utf-8').send(errorPage(code));
  const message = (TEXTS[code] ?? FALLBACK).en.body;
  return reply.status(status).send({ error: { code, message } } satisfies ErrorBody);
}
