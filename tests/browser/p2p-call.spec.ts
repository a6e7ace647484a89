/**
 * The waiting room and a real p2p call in Chromium, end to end: the real connector (its
 * links, session cookies, live WebSocket and the built UI), two browser contexts with fake
 * camera and microphone. The patient knocks, the practitioner's panel sees it live and
 * accepts, video flows both ways; the patient reloads and is back in the call without knocking.
 */
import type { Page } from 'playwright-core';
import { eventually, useAppWithHub } from '../support/harness.ts';
import { useCallBrowser } from './support/browser.ts';
import { ensureUiBuilt } from './support/ui-build.ts';

/** Resolves when the page's `<video data-testid=main-video>` shows frames; returns its size. */
async function remoteVideoSize(page: Page): Promise<{ width: number; height: number }> {
  await page.waitForFunction(() => ((document.querySelector('[data-testid=main-video]') as HTMLVideoElement | null)?.videoWidth ?? 0) > 0, undefined, { timeout: 20_000 });
  return page.evaluate(() => {
    const video = document.querySelector('[data-testid=main-video]') as HTMLVideoElement;
    return { width: video.videoWidth, height: video.videoHeight };
  });
}

/** Records the `type` of every live message the page sends. */
function recordSentTypes(page: Page): string[] {
  const sent: string[] = [];
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/live/')) return;
    ws.on('framesent', ({ payload }) => {
      try {
        sent.push(String((JSON.parse(String(payload)) as { type?: unknown }).type));
      } catch {
        sent.push('?');
      }
    });
  });
  return sent;
}

describe('p2p call in Chromium', () => {
  // The UI is built before the app starts: the app serves /app/ only if the build is there.
  const { t, hub } = useAppWithHub(async () => { await ensureUiBuilt(); return {}; });
  const chrome = useCallBrowser();

  it('lets the patient in from the waiting room, shows video both ways, and resumes after a reload without a new knock', async () => {
    const appointment = hub.upsert(hub.makeAppointment({ startsAt: new Date().toISOString() }));
    expect((await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.created', appointment)).status).toBe(202);
    const links = await eventually(() => hub.writeBacks.get(appointment.id)?.[0], 'the links written back to the agenda');
    // The links carry PUBLIC_URL; the test app listens on its own port.
    const local = (url: string) => `${t.url}${new URL(url).pathname}`;

    const [patientContext, practitionerContext] = await Promise.all([chrome.browser.newContext({ locale: 'fr-FR' }), chrome.browser.newContext({ locale: 'fr-FR' })]);
    chrome.contexts.push(patientContext, practitionerContext);
    const patient = await patientContext.newPage();
    const practitioner = await practitionerContext.newPage();
    const patientSent = recordSentTypes(patient);

    await practitioner.goto(local(links.joinUrl));
    expect(new URL(practitioner.url()).pathname).toMatch(/^\/app\/panel\/[^/]+$/);
    await practitioner.getByText(/n'est pas encore arrivé/).waitFor();

    await patient.goto(local(links.patientUrl));
    expect(new URL(patient.url()).pathname).toMatch(/^\/app\/patient\/[^/]+$/);
    expect(patient.url()).not.toContain('/j/'); // the link's token left the address bar
    await patient.getByRole('button', { name: "Rejoindre la salle d'attente" }).click();
    await patient.getByText('Le praticien va vous accepter…').waitFor();

    await practitioner.getByText(/est en salle d'attente/).waitFor();
    await practitioner.getByRole('button', { name: 'Accepter' }).click();

    const [seenByPatient, seenByPractitioner] = await Promise.all([remoteVideoSize(patient), remoteVideoSize(practitioner)]);
    expect(seenByPatient.width).toBeGreaterThan(0);
    expect(seenByPractitioner.width).toBeGreaterThan(0);
    expect(patientSent.filter((type) => type === 'knock').length).toBe(1);

    // The patient reloads: back in the call within the grace window, without knocking again.
    const knocksBefore = patientSent.filter((type) => type === 'knock').length;
    await patient.reload();
    const afterReload = await remoteVideoSize(patient);
    expect(afterReload.width).toBeGreaterThan(0);
    await practitioner.waitForFunction(() => {
      const video = document.querySelector('[data-testid=main-video]') as HTMLVideoElement | null;
      const stream = video?.srcObject as MediaStream | null | undefined;
      return !!video && video.videoWidth > 0 && !!stream && stream.getVideoTracks().some((track) => track.readyState === 'live' && !track.muted);
    }, undefined, { timeout: 20_000 });
    expect(patientSent.filter((type) => type === 'knock').length).toBe(knocksBefore);
    expect(await patient.getByRole('button', { name: "Rejoindre la salle d'attente" }).count()).toBe(0);

    // The practitioner's red phone (reminded once to ask for payment) ends it for both.
    await practitioner.getByRole('button', { name: 'Raccrocher' }).first().click();
    await practitioner.getByRole('button', { name: 'Raccrocher sans demander le paiement' }).click();
    await patient.getByTestId('consultation-space').getByText('La téléconsultation est terminée').waitFor();
    await practitioner.getByText('La consultation est terminée.').waitFor();
    await eventually(() => hub.writeBacks.get(appointment.id)?.find((w) => w.status === 'ended'), 'the ended status in the agenda');
  });
});
