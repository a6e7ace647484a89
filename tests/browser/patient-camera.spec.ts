/**
 * The practitioner's hand on the patient's phone, in Chromium with three fake cameras: the
 * patient's microphone and video turned off and on at the source, the camera switched, the
 * zoom (the camera's own when the phone lets us, else digital on the panel). Each effect is
 * asserted on the other side: the sound and picture received, the track the phone sends.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { eventually, useAppWithHub } from '../support/harness.ts';
import { useCallBrowser } from './support/browser.ts';
import { SENDABLE_FAKE_CAMERA, framesShown, startCall } from './support/consultation.ts';
import { ensureUiBuilt } from './support/ui-build.ts';

/** The loudest the practitioner hears the patient over `ms` (RMS of the received sound, 0..1). */
async function heardLevel(page: Page, ms = 1500): Promise<number> {
  return page.evaluate(async (duration) => {
    const audio = document.querySelector('[data-testid=remote-audio]') as HTMLAudioElement;
    const stream = audio.srcObject as MediaStream;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let loudest = 0;
    const end = performance.now() + duration;
    while (performance.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      analyser.getFloatTimeDomainData(samples);
      loudest = Math.max(loudest, Math.sqrt(samples.reduce((sum, v) => sum + v * v, 0) / samples.length));
    }
    await context.close();
    return loudest;
  }, ms);
}

/** The mean brightness (0..255) of the picture the practitioner receives. */
async function seenBrightness(page: Page): Promise<number> {
  return page.evaluate(() => {
    const video = document.querySelector('[data-testid=main-video]') as HTMLVideoElement;
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 48;
    const context = canvas.getContext('2d')!;
    context.drawImage(video, 0, 0, 64, 48);
    const data = context.getImageData(0, 0, 64, 48).data;
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) sum += (data[i]! + data[i + 1]! + data[i + 2]!) / 3;
    return sum / (data.length / 4);
  });
}

/** The width and height in a JPEG's frame header (SOF0–SOF3). */
function jpegSize(bytes: Buffer): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1]!;
    const length = bytes.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3) return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    i += 2 + length;
  }
  return null;
}

/** What the patient's phone sends: its camera track's device and zoom. */
async function sentCamera(page: Page): Promise<{ deviceId: string; label: string; zoom: number | undefined }> {
  return page.evaluate(() => {
    const video = document.querySelector('[data-testid=self-video]') as HTMLVideoElement;
    const track = (video.srcObject as MediaStream).getVideoTracks()[0]!;
    const settings = track.getSettings() as MediaTrackSettings & { zoom?: number };
    return { deviceId: settings.deviceId ?? '', label: track.label, zoom: settings.zoom };
  });
}

describe("the patient's camera and microphone from the panel, in Chromium (three fake cameras)", () => {
  const { t, hub } = useAppWithHub(async () => { await ensureUiBuilt(); return {}; });
  const chrome = useCallBrowser({ cameras: 3 });

  it("turns the patient's microphone and video off at the source and back on, tells the patient, and shows the true state", async () => {
    const { practitioner, patient } = await startCall(t, hub, chrome);
    await eventually(async () => (await heardLevel(practitioner, 600)) > 0.01, "the patient's sound at first");

    await practitioner.getByRole('button', { name: 'Désactiver le micro du patient' }).click();
    await patient.getByTestId('remote-notice').getByText('Le praticien a coupé votre micro.').waitFor();
    await practitioner.getByRole('button', { name: 'Activer le micro du patient' }).waitFor();
    expect(await patient.getByRole('button', { name: 'Activer mon micro' }).count()).toBe(1);
    await eventually(async () => (await heardLevel(practitioner, 800)) < 0.001, 'silence on the panel');

    await practitioner.getByRole('button', { name: 'Activer le micro du patient' }).click();
    await patient.getByText('Le praticien a réactivé votre micro.').waitFor();
    await eventually(async () => (await heardLevel(practitioner, 600)) > 0.01, 'the sound back');

    const before = await seenBrightness(practitioner);
    expect(before).toBeGreaterThan(20);
    await practitioner.getByRole('button', { name: 'Désactiver la vidéo du patient' }).click();
    await patient.getByText('Le praticien a coupé votre caméra.').waitFor();
    await eventually(async () => (await seenBrightness(practitioner)) < 5, 'a black picture on the panel');
    await practitioner.getByRole('button', { name: 'Activer la vidéo du patient' }).click();
    await eventually(async () => (await seenBrightness(practitioner)) > 20, 'the picture back');
  });

  it("switches the patient's camera to another device while the call goes on, and zooms with the camera's own zoom", async () => {
    // From the third camera, the next one is the first (see SENDABLE_FAKE_CAMERA).
    const { practitioner, patient } = await startCall(t, hub, chrome, { patientPermissions: ['cameraPanTiltZoom'], patientCamera: SENDABLE_FAKE_CAMERA });
    const first = await sentCamera(patient);
    expect(first.label).toBe(SENDABLE_FAKE_CAMERA);
    await practitioner.getByRole('button', { name: 'Changer la caméra du patient' }).click();
    await patient.getByText('Le praticien a changé de caméra sur votre appareil.').waitFor();
    await eventually(async () => (await sentCamera(patient)).deviceId !== first.deviceId, 'another camera on the phone');
    // The panel still receives the picture, now from the other camera.
    await eventually(async () => (await framesShown(practitioner)) > 5, 'frames from the new camera on the panel');

    await practitioner.getByRole('button', { name: 'Zoomer sur la caméra du patient' }).click();
    await eventually(async () => (await sentCamera(patient)).zoom === 150, "the camera's zoom at 1.5 × its minimum (100)");
    await practitioner.getByTestId('zoom-level').getByText('×1,5 (zoom de la caméra)').waitFor();
    await patient.getByText('Le praticien zoome sur votre caméra (×1,5).').waitFor();
    await practitioner.getByRole('button', { name: 'Zoom normal' }).click();
    await eventually(async () => (await sentCamera(patient)).zoom === 100, 'the zoom back to normal');
  });

  it("takes a photo on the patient's phone at the camera's resolution, filed as a JPEG document on both sides", async () => {
    const call = await startCall(t, hub, chrome);
    const { practitioner, patient } = call;
    const camera = await patient.evaluate(() => {
      const track = ((document.querySelector('[data-testid=self-video]') as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0]!;
      const { width, height } = track.getSettings();
      return { width: width ?? 0, height: height ?? 0 };
    });
    await practitioner.getByRole('button', { name: 'Prendre une photo' }).click();
    await patient.getByText('Le praticien a pris une photo avec votre caméra : elle est ajoutée aux documents.').waitFor();
    await practitioner.getByRole('tab', { name: 'Documents' }).click();
    const link = practitioner.getByTestId('documents').getByTestId('document-link').filter({ hasText: /^.*photo-\d{8}-\d{6}\.jpg/ });
    await link.waitFor();
    await patient.getByRole('button', { name: /^Messages/ }).click();
    await patient.getByTestId('messages-sheet').getByText(/photo-\d{8}-\d{6}\.jpg/).waitFor();
    const response = await call.practitionerContext.request.get(`${t.url}${await link.getAttribute('href')}`);
    expect(response.headers()['content-type']).toBe('image/jpeg');
    expect(jpegSize(await response.body())).toEqual(camera);
  });

  it('records in the practitioner\'s browser after the warning, shows the patient it runs, and saves a WebM of over a second that no request carries', async () => {
    const { practitioner, patient } = await startCall(t, hub, chrome);
    const posted: number[] = [];
    practitioner.on('request', (request) => posted.push(request.postDataBuffer()?.length ?? 0));
    await practitioner.getByRole('button', { name: 'Enregistrer la vidéo' }).click();
    await practitioner.getByText('Attention : la loi ne vous autorise pas à conserver la vidéo de la téléconsultation.').waitFor();
    await practitioner.getByRole('button', { name: "Commencer l'enregistrement" }).click();
    await patient.getByTestId('recording-indicator').waitFor();
    await practitioner.waitForTimeout(2500);
    const [download] = await Promise.all([practitioner.waitForEvent('download'), practitioner.getByRole('button', { name: 'Enregistrer la vidéo' }).click()]);
    await patient.getByTestId('recording-indicator').waitFor({ state: 'detached' });
    expect(download.suggestedFilename()).toMatch(/^teleconsultation-.*\.webm$/);
    const bytes = await readFile((await download.path())!);
    expect(bytes.length).toBeGreaterThan(10_000);
    // Its sound decodes, and lasts over a second.
    const seconds = await practitioner.evaluate(async (base64) => {
      const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const context = new AudioContext();
      const decoded = await context.decodeAudioData(data.buffer);
      await context.close();
      return decoded.duration;
    }, bytes.toString('base64'));
    expect(seconds).toBeGreaterThan(1);
    expect(Math.max(0, ...posted)).toBeLessThan(bytes.length / 2);
  });

  it('falls back to a digital zoom on the panel where the camera has none, and says so', async () => {
    const { practitioner } = await startCall(t, hub, chrome);
    await practitioner.getByRole('button', { name: 'Zoomer sur la caméra du patient' }).click();
    await practitioner.getByTestId('zoom-level').getByText('×1,5 (zoom numérique)').waitFor();
    const transform = await practitioner.locator('[data-testid=main-video]').evaluate((v) => getComputedStyle(v).transform);
    expect(transform).toBe('matrix(1.5, 0, 0, 1.5, 0, 0)');
  });
});
