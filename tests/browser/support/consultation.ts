/**
 * Two participants in a real p2p call on the real connector: the practitioner on a computer
 * screen, the patient on a phone (touch, small viewport), each in its own browser context,
 * from the links the agenda received to the call. Shared by the browser specs of the
 * consultation's tools.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { AgendaHub } from '../../fakes/agenda-hub.ts';
import { eventually, type TestApp } from '../../support/harness.ts';
import type { CallBrowser } from './browser.ts';

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
  /** The camera the patient picks on the device check, by label (e.g. `fake_device_2`); the browser's default otherwise. */
  patientCamera?: string;
  /** Runs on the patient's page before it opens its link (e.g. `page.addInitScript`). */
  patientInit?: (page: Page) => Promise<void>;
}

/**
 * Chromium's fake cameras (`--use-fake-device-for-media-stream=device-count=3`): fake_device_0
 * gives I420 frames, fake_device_1 Y16 (a depth format: it plays in the page, but WebRTC sends
 * none of its frames, so the other side's track stays muted), fake_device_2 MJPEG. A spec that
 * checks pictures after choosing a camera picks 0 or 2.
 */
export const SENDABLE_FAKE_CAMERA = 'fake_device_2';

/** How many frames `page`'s large video shows over `ms` (requestVideoFrameCallback): frames that arrived and were decoded. */
export async function framesShown(page: Page, ms = 1000): Promise<number> {
  // No named inner functions: the spec's compiler would wrap them in a helper the page lacks.
  return page.evaluate(async (duration) => {
    const video = document.querySelector('[data-testid=main-video]') as HTMLVideoElement;
    let frames = 0;
    const end = performance.now() + duration;
    while (performance.now() < end) {
      const shown = await Promise.race([
        new Promise<boolean>((resolve) => video.requestVideoFrameCallback(() => resolve(true))),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), Math.max(0, end - performance.now()))),
      ]);
      if (shown) frames++;
    }
    return frames;
  }, ms);
}

/** Resolves once the page's large video plays with frames of the given source; returns its frame size. */
export async function mainVideoSize(page: Page, source?: 'peer' | 'peer-screen' | 'own-screen', timeoutMs = 20_000): Promise<{ width: number; height: number }> {
  await page.waitForFunction((wanted) => {
    const video = document.querySelector('[data-testid=main-video]') as HTMLVideoElement | null;
    return !!video && video.videoWidth > 0 && (!wanted || video.dataset['source'] === wanted);
  }, source, { timeout: timeoutMs });
  return page.evaluate(() => {
    const video = document.querySelector('[data-testid=main-video]') as HTMLVideoElement;
    return { width: video.videoWidth, height: video.videoHeight };
  });
}

/** Keeps a list of the page's peer connections (`window.tcPeerConnections`), for their statistics; once per page. */
export async function watchPeerConnections(target: Page | BrowserContext): Promise<void> {
  await target.addInitScript(() => {
    const holder = window as unknown as { tcPeerConnections?: RTCPeerConnection[] };
    if (holder.tcPeerConnections) return;
    const list: RTCPeerConnection[] = [];
    holder.tcPeerConnections = list;
    const Original = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Original {
      constructor(configuration?: RTCConfiguration) {
        super(configuration);
        list.push(this);
      }
    } as typeof RTCPeerConnection;
  });
}

/** Makes a teleconsultation through the agenda webhook, opens both links, admits the patient, and waits for video both ways. */
export async function startCall(t: TestApp, hub: AgendaHub, { browser, contexts }: CallBrowser, sizes: CallSizes = {}): Promise<CallPages> {
  const appointment = hub.upsert(hub.makeAppointment({ startsAt: new Date().toISOString() }));
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
  // Their peer connections' statistics explain a call that does not start.
  await Promise.all([watchPeerConnections(practitionerContext), watchPeerConnections(patientContext)]);
  const practitioner = await practitionerContext.newPage();
  const patient = await patientContext.newPage();
  if (sizes.patientPermissions) {
    // Granted to this context (not the default one), before the page opens the camera.
    const cdp = await patientContext.newCDPSession(patient);
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    await cdp.send('Browser.grantPermissions', { permissions: ['videoCapture', 'audioCapture', ...sizes.patientPermissions] as never, browserContextId: targetInfo.browserContextId });
  }
  await sizes.patientInit?.(patient);
  await practitioner.goto(local(links.joinUrl));
  await patient.goto(local(links.patientUrl));
  if (sizes.patientCamera) {
    // The label holds the select, so its name goes on with the camera chosen ("Caméra fake_device_0").
    const camera = patient.getByRole('combobox', { name: /^Caméra/ });
    await camera.locator('option', { hasText: sizes.patientCamera }).waitFor({ state: 'attached', timeout: 20_000 }).catch(async (error: unknown) => {
      throw new Error(`no camera "${sizes.patientCamera}" on the device check: ${await screenState(patient)}; cameras ${JSON.stringify(await camera.locator('option').allTextContents().catch(() => []))}`, { cause: error });
    });
    await camera.selectOption({ label: sizes.patientCamera });
    // The preview has moved to the chosen camera (and let go of the default one) before the
    // practitioner's page opens its own: the fake devices are shared by the browser's pages.
    const wanted = sizes.patientCamera;
    await patient.waitForFunction((label) => {
      const preview = document.querySelector('video.preview') as HTMLVideoElement | null;
      const track = (preview?.srcObject as MediaStream | null | undefined)?.getVideoTracks()[0];
      return !!track && track.label === label && track.readyState === 'live' && preview!.videoWidth > 0;
    }, wanted, { timeout: 20_000 });
  }
  await patient.getByRole('button', { name: "Rejoindre la salle d'attente" }).click({ timeout: 20_000 }).catch(async (error: unknown) => {
    throw new Error(`the patient's page offers no waiting room: ${await screenState(patient)} at ${patient.url()}`, { cause: error });
  });
  await practitioner.getByRole('button', { name: 'Accepter' }).click().catch(async (error: unknown) => {
    // Which side lost the knock: the phone's page (still in the waiting room?) and the panel's.
    throw new Error(`no knock on the panel: patient ${await screenState(patient)}; practitioner ${await screenState(practitioner)}`, { cause: error });
  });
  // A new peer connection's first decoded frame can take long on a loaded two-core machine.
  await Promise.all([mainVideoSize(patient, 'peer', 45_000), mainVideoSize(practitioner, 'peer', 45_000)]).catch(async (error: unknown) => {
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

/** What a page's large video holds, its video statistics and the start of its text, to explain a failure. */
async function screenState(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const video = document.querySelector('[data-testid=main-video]') as HTMLVideoElement | null;
    const stream = video?.srcObject as MediaStream | null | undefined;
    // muted: no media arriving on the track; paused / readyState: the element's side.
    const own = Array.from(document.querySelectorAll('video')).map((v) => v.srcObject as MediaStream | null).filter((m) => m && m !== stream);
    // The video side of each peer connection: what was captured, encoded, sent, received and decoded.
    const peers = (window as unknown as { tcPeerConnections?: RTCPeerConnection[] }).tcPeerConnections ?? [];
    const stats = await Promise.all(peers.map(async (pc) => {
      const lines: string[] = [`${pc.connectionState}/${pc.signalingState}`];
      (await pc.getStats()).forEach((r: Record<string, unknown>) => {
        if (r['kind'] !== 'video') return;
        if (r['type'] === 'media-source') lines.push(`source frames=${r['frames']} ${r['width']}x${r['height']}`);
        if (r['type'] === 'outbound-rtp') lines.push(`out encoded=${r['framesEncoded']} sent=${r['bytesSent']} limit=${r['qualityLimitationReason']} active=${r['active']}`);
        if (r['type'] === 'inbound-rtp') lines.push(`in packets=${r['packetsReceived']} decoded=${r['framesDecoded']} bytes=${r['bytesReceived']}`);
      });
      pc.getTransceivers().forEach((t) => lines.push(`${t.mid}:${t.currentDirection}:${t.sender.track?.kind ?? '-'}:${t.sender.track?.readyState ?? ''}`));
      return lines.join(', ');
    }));
    return JSON.stringify({
      source: video?.dataset['source'], width: video?.videoWidth, paused: video?.paused, readyState: video?.readyState,
      tracks: stream?.getTracks().map((t) => `${t.kind}:${t.readyState}${t.muted ? ':muted' : ''}`),
      others: own.flatMap((m) => m!.getVideoTracks().map((t) => `${t.label}:${t.readyState}${t.muted ? ':muted' : ''}`)),
      peers: stats,
      text: document.body.innerText.slice(0, 200),
    });
  }).catch(() => 'unreadable');
}
