/**
 * Two participants in a real p2p call on the real connector: the practitioner on a computer
 * screen, the patient on a phone (touch, small viewport), each in its own browser context,
 * from the links the agenda received to the call. Shared by the browser specs of the
 * consultation's tools.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AgendaHub } from '../../fakes/agenda-hub.ts';
import { eventually, type TestApp } from '../../support/harness.ts';

/** A call in progress. */
export interface CallPages {
  teleconsultationId: string;
  appointmentId: string;
  practitioner: Page;
  patient: Page;
  practitionerContext: BrowserContext;
  patientContext: BrowserContext;
}

/** Window sizes: a laptop's for the practitioner, a phone's for the patient (unless told otherwise). */
export interface CallSizes {
  practitioner?: { width: number; height: number };
  patient?: { width: number; height: number };
  /** Extra permissions of the patient's context, granted through the DevTools protocol (e.g. `cameraPanTiltZoom`, RECIPES.md). */
  patientPermissions?: string[];
}

/** Resolves once the page's large video plays with frames of the given source; returns its frame size. */
export async function mainVideoSize(page: Page, source?: 'peer' | 'peer-screen' | 'own-screen'): Promise<{ width: number; height: number }> {
  await page.waitForFunction((wanted) => {
    const video = document.querySelector('[data-testid=main-video]') as HTMLVideoElement | null;
    return !!video && video.videoWidth > 0 && (!wanted || video.dataset['source'] === wanted);
  }, source, { timeout: 20_000 });
  return page.evaluate(() => {
    const video = document.querySelector('[data-testid=main-video]') as HTMLVideoElement;
    return { width: video.videoWidth, height: video.videoHeight };
  });
}

/** Makes a teleconsultation through the agenda webhook, opens both links, admits the patient, and waits for video both ways. */
export async function startCall(t: TestApp, hub: AgendaHub, browser: Browser, contexts: BrowserContext[], sizes: CallSizes = {}): Promise<CallPages> {
  const appointment = hub.upsert(hub.makeAppointment());
  const delivered = await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.created', appointment);
  if (delivered.status !== 202) throw new Error(`webhook answered ${delivered.status}`);
  const links = await eventually(() => hub.writeBacks.get(appointment.id)?.[0], 'the links written back to the agenda');
  // The links carry PUBLIC_URL; the test app listens on its own port.
  const local = (url: string) => `${t.url}${new URL(url).pathname}`;
  const [practitionerContext, patientContext] = await Promise.all([
    browser.newContext({ locale: 'fr-FR', viewport: sizes.practitioner ?? { width: 1280, height: 800 }, acceptDownloads: true }),
    browser.newContext({ locale: 'fr-FR', viewport: sizes.patient ?? { width: 390, height: 780 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, acceptDownloads: true }),
  ]);
  contexts.push(practitionerContext, patientContext);
  const practitioner = await practitionerContext.newPage();
  const patient = await patientContext.newPage();
  if (sizes.patientPermissions) {
    // Granted to this context (not the default one), before the page opens the camera.
    const cdp = await patientContext.newCDPSession(patient);
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    await cdp.send('Browser.grantPermissions', { permissions: ['videoCapture', 'audioCapture', ...sizes.patientPermissions] as never, browserContextId: targetInfo.browserContextId });
  }
  await practitioner.goto(local(links.joinUrl));
  await patient.goto(local(links.patientUrl));
  await patient.getByRole('button', { name: "Rejoindre la salle d'attente" }).click({ timeout: 20_000 }).catch(async (error: unknown) => {
    throw new Error(`the patient's page offers no waiting room: ${await screenState(patient)} at ${patient.url()}`, { cause: error });
  });
  await practitioner.getByRole('button', { name: 'Accepter' }).click();
  await Promise.all([mainVideoSize(patient, 'peer'), mainVideoSize(practitioner, 'peer')]).catch(async (error: unknown) => {
    // What each side shows, for the failure's report (no patient data: fixtures only).
    throw new Error(`no video both ways: practitioner ${await screenState(practitioner)}; patient ${await screenState(patient)}`, { cause: error });
  });
  const teleconsultationId = new URL(practitioner.url()).pathname.split('/').pop() ?? '';
  return { teleconsultationId, appointmentId: appointment.id, practitioner, patient, practitionerContext, patientContext };
}

/** The rectangle (page pixels) where a `<video>` with `object-fit: contain` shows its picture. */
export async function pictureRect(page: Page, selector: string): Promise<{ left: number; top: number; width: number; height: number }> {
  return page.evaluate((sel) => {
    const element = document.querySelector(sel) as HTMLVideoElement | HTMLElement;
    const box = element.getBoundingClientRect();
    if (!(element instanceof HTMLVideoElement) || !element.videoWidth) return { left: box.left, top: box.top, width: box.width, height: box.height };
    const scale = Math.min(box.width / element.videoWidth, box.height / element.videoHeight);
    const width = element.videoWidth * scale;
    const height = element.videoHeight * scale;
    return { left: box.left + (box.width - width) / 2, top: box.top + (box.height - height) / 2, width, height };
  }, selector);
}

/** What a page's large video holds and the start of its text, to explain a failure. */
async function screenState(page: Page): Promise<string> {
  return page.evaluate(() => {
    const video = document.querySelector('[data-testid=main-video]') as HTMLVideoElement | null;
    const stream = video?.srcObject as MediaStream | null | undefined;
    return JSON.stringify({ source: video?.dataset['source'], width: video?.videoWidth, tracks: stream?.getTracks().map((t) => `${t.kind}:${t.readyState}`), text: document.body.innerText.slice(0, 200) });
  }).catch(() => 'unreadable');
}
