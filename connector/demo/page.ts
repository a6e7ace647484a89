/**
 * The demo agenda's page: server-rendered HTML, French first, English second. Every
 * value is escaped; the page is plain forms so it works without scripts.
 */
import { DateTime } from 'luxon';
import { appointmentOver, type Appointment } from '../agenda/appointment.ts';
import { escapeHtml, htmlPage } from '../http/html-page.ts';

const TEXT = {
  fr: {
    title: 'Agenda de démonstration',
    banner: 'Démonstration : agenda fictif, sans connexion à un vrai agenda. Les messages partent dans la boîte d’envoi de développement, aucun patient n’est contacté.',
    book: 'Prendre un rendez-vous',
    firstName: 'Prénom du patient', lastName: 'Nom', email: 'Email', mobile: 'Portable (ex. +33612345678)', locale: 'Langue du patient',
    when: 'Date et heure', duration: 'Durée (minutes)', video: 'Motif en téléconsultation', submit: 'Enregistrer le RDV',
    list: 'Rendez-vous', none: 'Aucun rendez-vous pour l’instant.', join: 'Rejoindre', patientLink: 'Lien patient', waiting: 'liens en cours de création…', past: 'déjà passé : pas de téléconsultation',
    move: 'Déplacer', cancel: 'Annuler le RDV', cancelled: 'annulé', office: 'au cabinet', status: 'Statut', payment: 'Paiement',
    practitioner: 'Praticien', docs: 'API', outbox: 'Boîte d’envoi',
    statuses: { scheduled: 'planifiée', waiting: 'patient en salle d’attente', in_progress: 'en cours', ended: 'terminée', cancelled: 'annulée', requested: 'demandé', paid: 'payé', failed: 'échec', refunded: 'remboursé' } as Record<string, string>,
  },
  en: {
    title: 'Demo agenda',
    banner: 'Demo: a fictitious agenda, not connected to a real one. Messages go to the development outbox; no patient is contacted.',
    book: 'Book an appointment',
    firstName: 'Patient first name', lastName: 'Last name', email: 'Email', mobile: 'Mobile (e.g. +33612345678)', locale: 'Patient language',
    when: 'Date and time', duration: 'Duration (minutes)', video: 'Teleconsultation reason', submit: 'Save appointment',
    list: 'Appointments', none: 'No appointment yet.', join: 'Join', patientLink: 'Patient link', waiting: 'links being created…', past: 'already over: no teleconsultation',
    move: 'Move', cancel: 'Cancel appointment', cancelled: 'cancelled', office: 'in the office', status: 'Status', payment: 'Payment',
    practitioner: 'Practitioner', docs: 'API', outbox: 'Outbox',
    statuses: { scheduled: 'scheduled', waiting: 'patient waiting', in_progress: 'in progress', ended: 'ended', cancelled: 'cancelled', requested: 'requested', paid: 'paid', failed: 'failed', refunded: 'refunded' } as Record<string, string>,
  },
} as const;

export interface DemoPageInput {
  items: { appointment: Appointment; teleconsultation: Record<string, unknown> | null }[];
  practitioner: { name: string; timezone: string };
  lang: 'fr' | 'en';
  now: Date;
}

function row(t: (typeof TEXT)['fr' | 'en'], lang: string, zone: string, a: Appointment, tc: Record<string, unknown> | null, now: Date): string {
  const when = DateTime.fromISO(a.startsAt).setZone(zone).setLocale(lang).toLocaleString(DateTime.DATETIME_MED_WITH_WEEKDAY);
  const name = `${escapeHtml(a.patient.firstName)} ${escapeHtml(a.patient.lastName)}`;
  const camera = a.reason.teleconsultation ? '<span class="cam" title="Téléconsultation">🎥</span>' : '';
  const links = !a.reason.teleconsultation
    ? `<span class="muted">${t.office}</span>`
    : a.status === 'cancelled'
      ? `<span class="muted">${t.cancelled}</span>`
      : tc && typeof tc['joinUrl'] === 'string'
        ? `<a class="join" href="${escapeHtml(String(tc['joinUrl']))}" target="_blank" rel="noopener">${t.join}</a>
           <a href="${escapeHtml(String(tc['patientUrl']))}" target="_blank" rel="noopener">${t.patientLink}</a>`
        : `<span class="muted">${appointmentOver(a, now) ? t.past : t.waiting}</span>`;
  const label = (v: unknown) => escapeHtml(t.statuses[String(v)] ?? String(v));
  const status = tc && typeof tc['status'] === 'string' ? `<span class="pill" data-status="${escapeHtml(String(tc['status']))}">${label(tc['status'])}</span>` : '';
  const payment = tc && tc['payment'] && typeof tc['payment'] === 'object' ? `<span class="pill">${t.payment} : ${label((tc['payment'] as Record<string, unknown>)['status'])}</span>` : '';
  const local = DateTime.fromISO(a.startsAt).setZone(zone).toFormat("yyyy-LL-dd'T'HH:mm");
  const actions = a.status === 'cancelled' ? '' : `
      <form method="post" action="/demo/appointments/${encodeURIComponent(a.id)}/move" class="inline">
        <input type="datetime-local" name="startsAt" value="${local}" required aria-label="${t.when}"><button>${t.move}</button>
      </form>
      <form method="post" action="/demo/appointments/${encodeURIComponent(a.id)}/cancel" class="inline"><button class="danger">${t.cancel}</button></form>`;
  return `<li data-appointment="${escapeHtml(a.id)}"><div><strong>${when}</strong> ${camera} ${name} <span class="muted">(${escapeHtml(a.reason.label)}, ${a.durationMinutes} min)</span> ${status} ${payment}</div>
    <div class="links">${links}</div><div class="actions">${actions}</div></li>`;
}

/** The whole page. */
export function renderDemoPage(input: DemoPageInput): string {
  const t = TEXT[input.lang];
  const zone = input.practitioner.timezone;
  const soon = DateTime.fromJSDate(input.now).setZone(zone).plus({ minutes: 20 }).startOf('minute').toFormat("yyyy-LL-dd'T'HH:mm");
  const items = input.items.length === 0 ? `<p class="muted">${t.none}</p>` : `<ul class="appointments">${input.items.map((x) => row(t, input.lang, zone, x.appointment, x.teleconsultation, input.now)).join('')}</ul>`;
  const css = `
  form.book { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .6rem; align-items: end; }
  label { display: flex; flex-direction: column; font-size: .9rem; gap: .2rem; }
  input, select, button { font: inherit; padding: .35rem .5rem; }
  ul.appointments { list-style: none; padding: 0; } ul.appointments li { border-bottom: 1px solid #8884; padding: .6rem 0; }
  .muted { opacity: .7; } .pill { border: 1px solid #8886; border-radius: 1rem; padding: 0 .5rem; font-size: .85rem; }
  a.join { font-weight: 600; margin-right: 1rem; } .inline { display: inline-flex; gap: .3rem; margin-right: .6rem; } .danger { color: #b00020; }`;
  return htmlPage({ lang: input.lang, title: t.title, width: '60rem', css, body: `<p class="banner" role="note">${t.banner}</p>
<h1>${t.title} — ${escapeHtml(input.practitioner.name)}</h1>
<p><a href="/docs">${t.docs}</a> · <a href="/dev/outbox">${t.outbox}</a> · <a href="?lang=${input.lang === 'fr' ? 'en' : 'fr'}" hreflang="${input.lang === 'fr' ? 'en' : 'fr'}">${input.lang === 'fr' ? 'English' : 'Français'}</a></p>
<h2>${t.book}</h2>
<form class="book" method="post" action="/demo/appointments">
  <label>${t.firstName}<input name="firstName" value="Alex" required maxlength="100"></label>
  <label>${t.lastName}<input name="lastName" value="Dupont" required maxlength="100"></label>
  <label>${t.email}<input name="email" type="email" value="alex.dupont@example.org" maxlength="200"></label>
  <label>${t.mobile}<input name="mobile" type="tel" value="+33612345678" maxlength="30"></label>
  <label>${t.locale}<select name="locale"><option value="fr">Français</option><option value="en">English</option></select></label>
  <label>${t.when}<input name="startsAt" type="datetime-local" value="${soon}" required></label>
  <label>${t.duration}<input name="durationMinutes" type="number" min="5" max="240" value="20" required></label>
  <label><span><input type="checkbox" name="teleconsultation" value="on" checked> 🎥 ${t.video}</span></label>
  <button type="submit">${t.submit}</button>
</form>
<h2>${t.list}</h2>
${items}` });
}
