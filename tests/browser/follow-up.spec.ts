/**
 * "Suivi et paiement" end to end in Chromium, on the real connector and UI with the dev
 * outbox and sandbox payments: from the consultation's panel the practitioner asks for the
 * sign-in link, opens it from the outbox, sees the consultation listed, sends the payment link
 * again, sees the payment turn "Payée" live once the patient pays in the sandbox, and downloads
 * the CSV; the sign-in and list pages have no serious or critical accessibility violation.
 */
import { readFile } from 'node:fs/promises';
import { OPERATOR_HEADERS, eventually, useAppWithHub } from '../support/harness.ts';
import { paySandbox } from '../integration/follow-up-helpers.ts';
import { seriousViolations } from './support/accessibility.ts';
import { useCallBrowser } from './support/browser.ts';
import { ensureUiBuilt } from './support/ui-build.ts';

describe('"Suivi et paiement" in Chromium', () => {
  // The UI is built before the app starts: the app serves /app/ only if the build is there.
  const { t, hub } = useAppWithHub(async () => { await ensureUiBuilt(); return {}; });
  const chrome = useCallBrowser();
  const local = (url: string) => `${t.url}${new URL(url).pathname}`;

  it('asks for the link from the panel, lists the consultation, resends, shows the payment live and exports it', async () => {
    const appointment = hub.upsert(hub.makeAppointment({ practitioner: { id: 'prac_follow_up', email: 'suivi.praticien@cabinet.example.com', name: 'Dr Suivi' } }));
    expect((await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.created', appointment)).status).toBe(202);
    const links = await eventually(() => hub.writeBacks.get(appointment.id)?.[0], 'the links written back to the agenda');
    const context = await chrome.browser.newContext({ locale: 'fr-FR', acceptDownloads: true });
    chrome.contexts.push(context);
    const page = await context.newPage();
    await page.goto(local(links.joinUrl));
    const teleconsultationId = new URL(page.url()).pathname.split('/').at(-1)!;

    // "€ Facture" through the panel's own session, so there is a payment to follow.
    const invoice = await page.request.post(`${t.url}/api/live/${teleconsultationId}/practitioner/invoice`, { data: { amount: { value: '30' } }, headers: { origin: t.url } });
    expect(invoice.status()).toBe(201);
    const payment = ((await invoice.json()) as { payment: { url: string } }).payment;

    // One click in the panel; the link goes to the practitioner's email, said masked.
    await page.getByRole('button', { name: 'Suivi et paiement' }).click();
    await page.getByTestId('follow-up-link-status').filter({ hasText: 'Lien de connexion envoyé à s…@cabinet.example.com' }).waitFor();
    const signInLink = await eventually(async () => {
      const outbox = (await (await fetch(`${t.url}/dev/outbox.json`, { headers: OPERATOR_HEADERS })).json()) as { messages: { recipient: string; links: string[] }[] };
      return outbox.messages.find((m) => m.recipient === 'suivi.praticien@cabinet.example.com')?.links.find((l) => l.includes('/f/'));
    }, 'the sign-in link in the dev outbox');

    await page.goto(local(signInLink));
    await page.waitForURL(/\/app\/follow-up$/);
    const row = page.locator(`tr[data-teleconsultation="${teleconsultationId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(`${appointment.patient.firstName} ${appointment.patient.lastName[0]}.`);
    expect(await row.textContent()).toMatch(/30,00\s€/);
    // Requested once its sandbox page is made (live, if the list was read before).
    await row.locator('[data-payment-status=requested]').waitFor();
    expect(await row.getByRole('link', { name: /^Rejoindre la salle d'attente/ }).getAttribute('href')).toBe(`/api/follow-up/consultations/${teleconsultationId}/join`);
    expect(await seriousViolations(page)).toEqual([]);

    await row.getByRole('button', { name: /^Renvoyer le lien de paiement/ }).click();
    await page.getByRole('status').filter({ hasText: 'Lien de paiement renvoyé' }).waitFor();

    // The patient pays in the sandbox: the row changes without a reload.
    await paySandbox(t, payment.url);
    await row.locator('[data-payment-status=paid]').waitFor();
    expect(await row.locator('[data-payment-status]').textContent()).toContain('Payée');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Exporter les paiements (CSV)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^paiements-.*\.csv$/);
    const csv = (await readFile((await download.path())!, 'utf8')).replace(/^\uFEFF/, '');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('date,patient,amount,currency,status,paid_at,reference');
    expect(lines.length).toBe(3);
    expect(lines[1]).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2},${appointment.patient.firstName} ${appointment.patient.lastName[0]}\\.,30\\.00,EUR,paid,\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2},[0-9a-f-]{36}$`));
    expect(lines[2]).toBe('');
  });

  it('shows the sign-in form without a session, with the same answer whatever the email', async () => {
    const context = await chrome.browser.newContext({ locale: 'fr-FR' });
    chrome.contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.url}/app/follow-up`);
    const email = page.getByLabel('Adresse e-mail');
    await email.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await email.fill('inconnu@example.org');
    await page.getByRole('button', { name: 'Recevoir un lien de connexion' }).click();
    await page.getByTestId('sign-in-answer').filter({ hasText: "Si cette adresse est celle d'un praticien" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });
});
