/**
 * "€ Facture" in sandbox mode (no Stripe key), end to end in Chromium: the real connector and
 * UI, two browser contexts. The practitioner hangs up without a request and is reminded, sends
 * 30 € from the dialog; the patient's page shows "Payer" live; the patient opens the link, gets
 * the local test page, simulates a successful payment; the practitioner's panel shows "Payée"
 * live and the agenda receives `payment.status = "paid"`.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { eventually, useAppWithHub, jobsSettled } from '../support/harness.ts';
import { useCallBrowser } from './support/browser.ts';
import { ensureUiBuilt } from './support/ui-build.ts';

describe('sandbox payment in Chromium', () => {
  // The UI is built before the app starts: the app serves /app/ only if the build is there.
  const { t, hub } = useAppWithHub(async () => { await ensureUiBuilt(); return {}; });
  const chrome = useCallBrowser();

  /** A context whose requests to PUBLIC_URL (what the payment link and its redirect carry) reach the test app's port. */
  async function newContext(): Promise<BrowserContext> {
    const context = await chrome.browser.newContext({ locale: 'fr-FR' });
    chrome.contexts.push(context);
    const publicOrigin = new URL(t.config.publicUrl).origin;
    if (publicOrigin !== t.url) {
      await context.route((url) => url.origin === publicOrigin, async (route) => {
        const url = new URL(route.request().url());
        const response = await route.fetch({ url: `${t.url}${url.pathname}${url.search}`, maxRedirects: 0 });
        await route.fulfill({ response });
      });
    }
    return context;
  }

  it('sends 30 € from "€ Facture", shows "Payer" to the patient, and "Payée" to the practitioner once the test payment succeeds', async () => {
    expect(t.app.services.config.stripe).toBeUndefined(); // sandbox mode
    const appointment = hub.upsert(hub.makeAppointment({ startsAt: new Date().toISOString() }));
    expect((await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.created', appointment)).status).toBe(202);
    const links = await eventually(() => hub.writeBacks.get(appointment.id)?.[0], 'the links written back to the agenda');
    // The pages are opened on the test app's own port (their live WebSocket cannot be rerouted).
    const local = (url: string) => `${t.url}${new URL(url).pathname}`;

    const [practitioner, patient]: [Page, Page] = await Promise.all([newContext().then((c) => c.newPage()), newContext().then((c) => c.newPage())]);
    await practitioner.goto(local(links.joinUrl));
    await practitioner.getByText(/n'est pas encore arrivé/).waitFor();
    await patient.goto(local(links.patientUrl));
    await patient.getByRole('button', { name: "Rejoindre la salle d'attente" }).click();
    await practitioner.getByRole('button', { name: 'Accepter' }).click();
    const status = practitioner.getByTestId('invoice-status');
    expect(await status.textContent()).toContain('Aucun paiement demandé');
    await practitioner.getByText('Pensez à demander le paiement avant de raccrocher.').first().waitFor();

    // Hanging up without a request: reminded once, in the "€ Facture" dialog.
    await practitioner.getByRole('button', { name: 'Raccrocher' }).click();
    const dialog = practitioner.getByRole('dialog', { name: 'Demander le paiement' });
    await dialog.getByRole('alert').filter({ hasText: 'Pensez à demander le paiement avant de raccrocher' }).waitFor();
    expect(await dialog.getByText('Mode test (sandbox)').count()).toBe(1);
    await dialog.getByRole('button', { name: /^30,00\s€$/ }).click();
    // The preset fills the amount field (on the page's next render).
    await practitioner.waitForFunction(() => (document.querySelector('#invoice-amount') as HTMLInputElement | null)?.value === '30,00', undefined, { timeout: 5_000 });
    expect(await dialog.getByLabel(/^Montant/).inputValue()).toBe('30,00');
    const send = dialog.getByRole('button', { name: 'Envoyer la demande de paiement' });
    // A double click sends one request.
    const posts: string[] = [];
    practitioner.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/practitioner/invoice')) posts.push(r.url());
    });
    await send.dblclick();
    await status.filter({ hasText: 'Demandée' }).waitFor();
    expect(await status.textContent()).toMatch(/Demandée — 30,00\s€/);
    expect(posts.length).toBe(1);
    expect(await practitioner.getByTestId('sandbox-badge').textContent()).toContain('Mode test (sandbox)');

    // The patient, still in the call, sees the request live.
    const pay = patient.getByRole('link', { name: 'Payer' });
    await pay.waitFor();
    expect(await patient.getByTestId('patient-payment').textContent()).toMatch(/Montant à régler : 30,00\s€/);
    expect(await patient.getByText('Paiement de test (sandbox)', { exact: false }).count()).toBe(1);
    expect(new URL((await pay.getAttribute('href'))!).pathname).toMatch(/^\/pay\/[^/]+$/);

    // The link opens the local test page, clearly labelled.
    await pay.click();
    await patient.waitForURL(/\/pay\/sandbox\//);
    await patient.getByRole('heading', { name: 'Paiement de test' }).waitFor();
    expect(await patient.getByRole('note').textContent()).toContain('Mode test');
    await patient.getByRole('button', { name: 'Simuler un paiement réussi' }).click();
    await patient.locator('[data-status=paid]').waitFor();

    // The practitioner sees it live; a real agenda is never told of a test payment.
    await status.filter({ hasText: 'Payée' }).waitFor();
    expect(await status.textContent()).toMatch(/Payée — 30,00\s€/);
    await jobsSettled(t, ['agenda-writeback']);
    expect(hub.writeBacks.get(appointment.id)?.every((w) => w.payment === null)).toBeTrue();

    // Back on the patient page (a reload): the payment is shown as received.
    await patient.goto(local(links.patientUrl));
    await patient.getByText('Paiement reçu, merci.').waitFor();
    expect(await patient.getByRole('link', { name: 'Payer' }).count()).toBe(0);
  });
});
