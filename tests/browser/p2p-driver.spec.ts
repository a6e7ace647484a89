/**
 * The shared conference-driver behaviour, run for real on the p2p driver: two headless
 * Chromium pages with three fake cameras (fake_device_1 is a depth format whose frames WebRTC
 * does not send: never switched to), microphone and screen (16:9, picked without a prompt),
 * signalled through a stand-in of the connector's live hub in Node (support/waiting-room-relay.ts).
 * Each context may use the camera's zoom (`cameraPanTiltZoom`, granted as RECIPES.md says), and
 * plays sound without a gesture, so that the sound received is decoded and measurable.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Role } from '#protocol/live';
import type { ConferenceDriver } from '../../meet/drivers/conference.ts';
import { describeConferenceDriver, type DriverHandle } from '../../meet/drivers/conference-behaviour.ts';
import { CHROMIUM_ARGS, chromiumPath } from '../support/chromium.ts';
import type { P2pPageControls } from './support/p2p-page.ts';
import { WaitingRoomRelay } from './support/waiting-room-relay.ts';

type PageWindow = { tc: P2pPageControls; tcStart(peerName: string): void };

const HTML = '<!doctype html><html lang="en"><body>'
  + '<video id="remote-camera" autoplay muted playsinline></video><video id="remote-screen" autoplay muted playsinline></video><audio id="remote-sound" autoplay></audio>'
  + '<script src="/p2p-page.js"></script></body></html>';

/** Serves the test page and its bundle on 127.0.0.1 (a secure context for getUserMedia). */
async function servePage(): Promise<{ server: Server; url: string }> {
  const bundle = await build({ entryPoints: [join(import.meta.dirname, 'support/p2p-page.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'chrome120' });
  const script = bundle.outputFiles[0]?.text ?? '';
  const server = createServer((req, res) => {
    if (req.url === '/p2p-page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(HTML);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

function handleOf(page: Page): DriverHandle {
  const call = <T>(fn: (tc: PageWindow['tc'], arg: unknown) => T | Promise<T>, arg?: unknown): Promise<T> =>
    page.evaluate(
      ([source, a]) => {
        const tc = (window as unknown as PageWindow).tc;
        return (new Function('tc', 'arg', `return (${source})(tc, arg)`) as (t: unknown, x: unknown) => unknown)(tc, a);
      },
      [fn.toString(), arg] as const,
    ) as Promise<T>;
  return {
    join: (o) => call((tc, a) => tc.driver.join(a as Parameters<ConferenceDriver['join']>[0]), o),
    leave: () => call((tc) => tc.driver.leave()),
    knock: () => call((tc) => tc.driver.knock()),
    approve: (id) => call((tc, a) => tc.driver.approve(String(a)), id),
    deny: (id) => call((tc, a) => tc.driver.deny(String(a)), id),
    setMicrophoneMuted: (m) => call((tc, a) => tc.driver.setMicrophoneMuted(a === true), m),
    setCameraMuted: (m) => call((tc, a) => tc.driver.setCameraMuted(a === true), m),
    muted: () => call((tc) => ({ microphone: tc.driver.isMicrophoneMuted(), camera: tc.driver.isCameraMuted() })),
    hasLocalStream: () => call((tc) => tc.driver.localStream() !== null),
    send: (m) => call((tc, a) => tc.driver.send(a as Record<string, unknown>), m),
    listDevices: () => call((tc) => tc.driver.listDevices()),
    events: () => call((tc) => tc.log),
    startScreenShare: (testTrack) => call((tc, a) => tc.shareScreen(a as Parameters<P2pPageControls['shareScreen']>[0]), testTrack),
    stopScreenShare: () => call((tc) => tc.driver.stopScreenShare()),
    endScreenTrack: () => call((tc) => tc.endScreenTrack()),
    hasScreenStream: () => call((tc) => tc.driver.screenStream() !== null),
    remoteVideoSize: async (source) => {
      // Read where it is checked: a stream given to the element since would otherwise show 0 × 0.
      const size = await page.waitForFunction((i) => {
        const video = document.getElementById(i) as HTMLVideoElement;
        return video.videoWidth > 0 && video.videoHeight > 0 ? { width: video.videoWidth, height: video.videoHeight } : null;
      }, `remote-${source}`, { timeout: 15_000 });
      return (await size.jsonValue()) as { width: number; height: number };
    },
    switchCamera: (id) => call((tc, a) => tc.driver.switchCamera(String(a)), id),
    localTracks: () => call((tc) => tc.localTracks()),
    setCameraEffect: (effect) => call((tc, a) => tc.setCameraEffect(a as Parameters<P2pPageControls['setCameraEffect']>[0]), effect),
    effectCalls: () => call((tc) => [...tc.effectCalls]),
    setSendQuality: (quality) => call((tc, a) => tc.driver.setSendQuality(a as Parameters<ConferenceDriver['setSendQuality']>[0]), quality),
    sentVideo: () => call((tc) => tc.sentVideo()),
    remotePicture: () => call((tc) => tc.remotePicture()),
    remoteSound: () => call((tc) => tc.remoteSound()),
    remoteVideoKbps: (ms) => call((tc, a) => tc.remoteVideoKbps(Number(a)), ms),
  };
}

/** Loads the test page afresh for `role` and connects it to the relay (a page that has not joined yet). */
async function openPage(role: Role): Promise<DriverHandle> {
  const page = pages.get(role)!;
  await page.goto(served.url);
  await page.evaluate((peer) => (window as unknown as PageWindow).tcStart(peer), role === 'practitioner' ? 'Camille M.' : 'Dr Claire Dubois');
  relay.attach(role, page);
  return handleOf(page);
}

/** Grants the context of `page` the camera with its zoom (to this context, not the default one: RECIPES.md). */
async function grantCamera(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  const { targetInfo } = await cdp.send('Target.getTargetInfo');
  await cdp.send('Browser.grantPermissions', { permissions: ['videoCapture', 'audioCapture', 'cameraPanTiltZoom'] as never, browserContextId: targetInfo.browserContextId });
  await cdp.detach();
}

const ARGS = [
  ...CHROMIUM_ARGS.map((a) => (a === '--use-fake-device-for-media-stream' ? '--use-fake-device-for-media-stream=device-count=3' : a)),
  // The sound received is decoded (and its energy counted) only while it plays.
  '--autoplay-policy=no-user-gesture-required',
];
/** fake_device_1 plays in the page, but WebRTC sends none of its frames (a depth format). */
const UNSENDABLE_FAKE_CAMERA = 'fake_device_1';

let browser: Browser;
let served: { server: Server; url: string };
let relay = new WaitingRoomRelay();
const pages = new Map<Role, Page>();

describeConferenceDriver('p2p', {
  async start() {
    [browser, served] = await Promise.all([chromium.launch({ executablePath: chromiumPath(), args: ARGS, headless: true }), servePage()]);
    // One context per participant, kept across specs: each spec reloads the pages instead.
    for (const role of ['practitioner', 'patient'] as Role[]) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await grantCamera(context, page);
      await page.exposeFunction('tcRelay', (json: string) => relay.receive(role, json));
      pages.set(role, page);
    }
  },
  async stop() {
    await browser?.close();
    await new Promise((resolve) => served?.server.close(resolve));
  },
  async create() {
    relay = new WaitingRoomRelay();
    const handles = [await openPage('practitioner'), await openPage('patient')];
    return {
      practitioner: handles[0]!,
      patient: handles[1]!,
      // The relay remembers the admission, as the connector does: the reloaded page is let back in by itself.
      async reloadPatient() {
        const patient = await openPage('patient');
        handles[1] = patient;
        await patient.join({ role: 'patient', displayName: 'Camille M.' });
        return patient;
      },
      async refuseCameraZoom() {
        await pages.get('patient')!.evaluate(() => (window as unknown as PageWindow).tc.refuseCameraZoom());
      },
      sendsFrames: (camera) => camera.label !== UNSENDABLE_FAKE_CAMERA,
      close: async () => {
        await Promise.all(handles.map((h) => h.leave().catch(() => undefined)));
      },
    };
  },
});
