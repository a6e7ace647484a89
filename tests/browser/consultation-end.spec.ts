/**
 * The end of a consultation and the patient's consultation space, in Chromium on the real
 * connector: the practitioner on a computer, the patient on a phone. Either red phone ends it
 * for both; the patient's end screen and the same link later show the amount and its live
 * status, the documents and the conversation; past the retention period the link says the
 * content expired.
 */
import { eq } from 'drizzle-orm';
import * as schema from '../../connector/db/schema/index.ts';
import { eventually, useAppWithHub } from '../support/harness.ts';
import { endedWriteBacks, endMessagesSent } from '../integration/live-helpers.ts';
import { useCallBrowser } from './support/browser.ts';
import { framesShown, mainVideoSize, startCall, type CallPages } from './support/consultation.ts';
import { ensureUiBuilt } from './support/ui-build.ts';

describe('the end of a consultation and the patient\'s space in Chromium', () => {
  // The app's clock: a spec moves it a day, then past the retention period.
  let offsetMs = 0;
  const { t, hub } = useAppWithHub(async () => { await ensureUiBuilt(); return { now: () => new Date(Date.now() + offsetMs) }; });
  const chrome = useCallBrowser();
  beforeEach(() => { offsetMs = 0; });

  const db = () => t.app.services.database.db;
  /** The patient's link, as the agenda received it, on the test app's port. */
  function patientLink(call: CallPages): string {
    const url = hub.writeBacks.get(call.appointmentId)![0]!.patientUrl;
    return `${t.url}${new URL(url).pathname}`;
  }

  it("ends it for both with the patient's red phone (agenda told once, end email and SMS once); the patient can come back while the practitioner is there", async () => {
    const call = await startCall(t, hub, chrome);
    const { practitioner, patient } = call;
    await patient.getByRole('button', { name: 'Raccrocher' }).click();
    // The other side: the panel leaves the call and says who hung up.
    await practitioner.getByTestId('ended-by').getByText(/^.+ a raccroché\.$/).waitFor().catch(async (error: unknown) => {
      throw new Error(`panel: ${(await practitioner.locator('body').innerText()).slice(0, 300)} | phone: ${(await patient.locator('body').innerText()).slice(0, 300)}`, { cause: error });
    });
    expect(await practitioner.locator('[data-testid=main-video]').count()).toBe(0);
    await patient.getByTestId('consultation-space').getByText('La téléconsultation est terminée').waitFor();
    await eventually(async () => ((await endMessagesSent(t, call.teleconsultationId)).length === 2 ? true : undefined), 'the end email and SMS');
    await eventually(() => (endedWriteBacks(hub, call.appointmentId) === 1 ? true : undefined), 'the agenda told "ended"');

    // "Revenir dans la consultation": both in the call again, the picture flowing on the panel.
    await patient.getByRole('button', { name: 'Revenir dans la consultation' }).click();
    // A new peer connection is negotiated: on a loaded machine it has taken more than 20 s.
    await Promise.all([mainVideoSize(patient, 'peer', 45_000), mainVideoSize(practitioner, 'peer', 45_000)]).catch(async (error: unknown) => {
      throw new Error(`panel: ${(await practitioner.locator('body').innerText()).slice(0, 400)} | phone: ${(await patient.locator('body').innerText()).slice(0, 400)}`, { cause: error });
    });
    expect(await framesShown(practitioner, 1500)).toBeGreaterThan(3);
    expect(await practitioner.getByTestId('panel-ended').count()).toBe(0);

    // The practitioner's red phone this time (reminded once of the payment): over for both.
    await practitioner.getByRole('button', { name: 'Raccrocher', exact: true }).click();
    await practitioner.getByRole('button', { name: 'Raccrocher sans demander le paiement' }).click();
    await patient.getByTestId('consultation-space').getByText('La téléconsultation est terminée').waitFor();
    await practitioner.getByTestId('panel-ended').waitFor();
    expect(await patient.getByRole('button', { name: 'Revenir dans la consultation' }).count()).toBe(0);
    const row = (await db().select().from(schema.teleconsultations).where(eq(schema.teleconsultations.id, call.teleconsultationId)))[0]!;
    expect(row.endedBy).toBe('practitioner');
    // Still one of each end message.
    expect(await endMessagesSent(t, call.teleconsultationId)).toEqual(['email', 'sms']);
  });

  it('shows the patient the amount, its paid status live, the documents and the conversation at the end, on the same link a day later, and "expired" after retention', async () => {
    const call = await startCall(t, hub, chrome);
    const { practitioner, patient } = call;
    // In the call: a message and a document.
    await practitioner.getByRole('tab', { name: 'Messages' }).click();
    await practitioner.getByLabel('Votre message').fill('Voici votre ordonnance.');
    await practitioner.getByLabel('Votre message').press('Enter');
    await practitioner.getByTestId('conversation-entry').filter({ hasText: 'Voici votre ordonnance.' }).waitFor();
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
    const [chooser] = await Promise.all([practitioner.waitForEvent('filechooser'), practitioner.getByRole('button', { name: 'Partager un fichier' }).first().click()]);
    await chooser.setFiles({ name: 'ordonnance.pdf', mimeType: 'application/pdf', buffer: pdf });
    await practitioner.getByTestId('conversation').getByText('ordonnance.pdf').waitFor();
    // "€ Facture", 30 €, then the red phone.
    await practitioner.getByRole('tab', { name: 'Patient' }).click();
    await practitioner.getByRole('button', { name: '€ Facture' }).first().click();
    const dialog = practitioner.getByRole('dialog', { name: 'Demander le paiement' });
    await dialog.getByRole('button', { name: /^30,00\s€$/ }).click();
    await practitioner.waitForFunction(() => (document.querySelector('#invoice-amount') as HTMLInputElement | null)?.value === '30,00', undefined, { timeout: 5_000 });
    await dialog.getByRole('button', { name: 'Envoyer la demande de paiement' }).click();
    await practitioner.getByTestId('invoice-status').filter({ hasText: 'Demandée' }).waitFor();
    await practitioner.keyboard.press('Escape');
    await practitioner.getByRole('button', { name: 'Raccrocher', exact: true }).click();

    // The patient's end screen.
    const space = patient.getByTestId('consultation-space');
    await space.getByText('La téléconsultation est terminée').waitFor();
    await space.getByTestId('patient-payment').getByText(/Montant à régler : 30,00\s€/).waitFor();
    await space.getByTestId('documents').getByText('ordonnance.pdf').waitFor();
    await space.getByTestId('conversation').getByText('Voici votre ordonnance.').waitFor();
    expect(await space.getByTestId('chat-input').count()).toBe(0);

    // The sandbox payment, then the status live on the end screen.
    const pay = space.getByRole('link', { name: 'Payer' });
    const payPage = await call.patientContext.newPage();
    await payPage.goto((await pay.getAttribute('href'))!);
    await payPage.getByRole('button', { name: 'Simuler un paiement réussi' }).click();
    await payPage.locator('[data-status=paid]').waitFor();
    await payPage.close();
    await space.getByText('Paiement reçu, merci.').waitFor();

    // A day later, the same link (a new phone session): the same summary.
    offsetMs = 2 * 86_400_000;
    const later = await call.patientContext.browser()!.newContext({ locale: 'fr-FR', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    chrome.contexts.push(later);
    const phone = await later.newPage();
    await phone.goto(patientLink(call));
    const again = phone.getByTestId('consultation-space');
    await again.getByText('Votre téléconsultation').first().waitFor();
    expect(await phone.locator('tc-consultation-header').textContent()).toMatch(/Rendez-vous avec Dr /);
    expect(await again.getByTestId('space-duration').textContent()).toMatch(/Durée : \d+ minutes?/);
    await again.getByText('Paiement reçu, merci.').waitFor();
    await again.getByTestId('documents').getByText('ordonnance.pdf').waitFor();
    await again.getByTestId('conversation').getByText('Voici votre ordonnance.').waitFor();
    expect(await phone.getByRole('button', { name: "Rejoindre la salle d'attente" }).count()).toBe(0);
    // The document downloads with its bytes.
    const [download] = await Promise.all([phone.waitForEvent('download'), again.getByTestId('documents').getByRole('link', { name: /ordonnance\.pdf/ }).click()]);
    const { readFile } = await import('node:fs/promises');
    expect(Buffer.compare(await readFile((await download.path())!), pdf)).toBe(0);

    // Past the clinic's retention period: the link says the content has expired.
    offsetMs = 120 * 86_400_000;
    await t.app.retention.purgeDue(new Date(Date.now() + offsetMs));
    const gone = await later.newPage();
    const response = await gone.goto(patientLink(call));
    expect(response?.status()).toBe(410);
    expect(await gone.content()).toContain('LINK_EXPIRED');
  });
});
