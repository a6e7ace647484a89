/**
 * "Réglages" on the practitioner's panel, in Chromium with three fake cameras, asserted on the
 * patient's phone: the chosen camera and the settings kept over a reload, the background
 * (MediaPipe's selfie segmentation, served from our origin) blurred or replaced in the picture
 * the phone receives, and the bandwidth cap in the bit rate the phone receives.
 */
import type { Page } from 'playwright-core';
import { eventually, useAppWithHub } from '../support/harness.ts';
import { useCallBrowser } from './support/browser.ts';
import { SENDABLE_FAKE_CAMERA, framesShown, startCall } from './support/consultation.ts';
import { ensureUiBuilt } from './support/ui-build.ts';

/**
 * What the phone receives of the practitioner's camera, measured on a 160 × 120 copy: the mean
 * luminance gradient between neighbouring pixels (sharp edges: high; blurred: low) and the mean
 * colour.
 */
async function seenPicture(page: Page, testId = 'main-video'): Promise<Picture> {
  return page.evaluate((id) => {
    const video = document.querySelector(`[data-testid=${id}]`) as HTMLVideoElement;
    const width = 160;
    const height = 120;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(video, 0, 0, width, height);
    const data = context.getImageData(0, 0, width, height).data;
    // Luminance, kept in its own array (no named inner functions: see framesShown).
    const luma = new Float32Array(width * height);
    for (let p = 0; p < width * height; p++) luma[p] = 0.299 * data[p * 4]! + 0.587 * data[p * 4 + 1]! + 0.114 * data[p * 4 + 2]!;
    let gradient = 0;
    let red = 0;
    let green = 0;
    let blue = 0;
    for (let y = 0; y < height - 1; y++) {
      for (let x = 0; x < width - 1; x++) {
        const p = y * width + x;
        const i = p * 4;
        gradient += Math.abs(luma[p]! - luma[p + 1]!) + Math.abs(luma[p]! - luma[p + width]!);
        red += data[i]!;
        green += data[i + 1]!;
        blue += data[i + 2]!;
      }
    }
    const n = (width - 1) * (height - 1);
    return { sharpness: gradient / n, red: red / n, green: green / n, blue: blue / n };
  }, testId);
}

interface Picture {
  sharpness: number;
  red: number;
  green: number;
  blue: number;
}

/** Waits until the phone's picture of the practitioner passes `accept`; a failure says what the phone and the practitioner's self view showed last. */
async function phoneSees(patient: Page, practitioner: Page, accept: (seen: Picture) => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  let last: Picture | null = null;
  try {
    await eventually(async () => accept((last = await seenPicture(patient))), what, timeoutMs);
  } catch (error) {
    const own = await seenPicture(practitioner, 'self-video').catch(() => null);
    const said = await practitioner.locator('dialog [role=status], dialog [role=alert]').allTextContents().catch(() => []);
    const round = (p: Picture | null) => p && Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Math.round(v * 100) / 100]));
    throw new Error(`${(error as Error).message}; the phone saw ${JSON.stringify(round(last))}, the self view ${JSON.stringify(round(own))}; "Réglages" said ${JSON.stringify(said)}`);
  }
}

/** The offered "Ciel" picture (ui/src/backgrounds/ciel.svg): mostly a blue sky, far bluer than red. */
function isSky(seen: { red: number; blue: number }): boolean {
  return seen.blue > seen.red + 50;
}

/** The bit rate (kbit/s) of the video `page` receives, over `ms`, from its peer connection's statistics. */
async function receivedKbps(page: Page, ms = 3000): Promise<number> {
  return page.evaluate(async (duration) => {
    const totals: number[] = [];
    for (const wait of [0, duration]) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      let total = 0;
      for (const pc of (window as unknown as { tcPeerConnections?: RTCPeerConnection[] }).tcPeerConnections ?? []) {
        (await pc.getStats()).forEach((report: { type: string; kind?: string; bytesReceived?: number }) => {
          if (report.type === 'inbound-rtp' && report.kind === 'video') total += report.bytesReceived ?? 0;
        });
      }
      totals.push(total);
    }
    return ((totals[1]! - totals[0]!) * 8) / duration;
  }, ms);
}

describe('"Réglages" on the panel, seen on the patient\'s phone, in Chromium (three fake cameras)', () => {
  const { t, hub } = useAppWithHub(async () => { await ensureUiBuilt(); return {}; });
  const chrome = useCallBrowser({ cameras: 3 });

  /** Opens "Réglages" on the panel. */
  async function openSettings(practitioner: Page): Promise<void> {
    await practitioner.getByRole('button', { name: 'Réglages' }).click();
    await practitioner.getByRole('dialog', { name: 'Réglages' }).waitFor();
  }

  it('applies the chosen camera to the call (the phone sees it) and keeps every setting over a reload, the camera going on with the call', async () => {
    const { practitioner, patient } = await startCall(t, hub, chrome);
    const sent = () => practitioner.evaluate(() => ((document.querySelector('[data-testid=self-video]') as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0]!.getSettings().deviceId);
    const first = await sent();
    await openSettings(practitioner);
    await practitioner.getByLabel('Affichage').selectOption('dark');
    const camera = practitioner.getByLabel('Caméra', { exact: true });
    await eventually(async () => (await camera.locator('option').count()) >= 4, 'the three cameras listed');
    const other = await camera.locator('option', { hasText: SENDABLE_FAKE_CAMERA }).getAttribute('value');
    expect(other).not.toBe(first ?? null);
    await camera.selectOption(other!);
    await eventually(async () => (await sent()) === other, 'the chosen camera in the call');
    await eventually(async () => (await framesShown(patient)) > 5, "the practitioner's new camera seen on the phone");
    await practitioner.getByLabel('Résolution vidéo').selectOption({ label: '720p' });
    await practitioner.getByLabel('Résolution photo').selectOption({ label: '1080p' });
    await practitioner.getByRole('button', { name: 'Fermer' }).click();

    await practitioner.reload();
    await practitioner.getByRole('button', { name: 'Réglages' }).waitFor();
    expect(await practitioner.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    // The call starts again on the remembered camera, and the phone sees it.
    await eventually(async () => (await sent()) === other, 'the remembered camera in the call after the reload');
    await eventually(async () => (await framesShown(patient)) > 5, "the practitioner's picture on the phone after the reload");
    await openSettings(practitioner);
    expect(await practitioner.getByLabel('Affichage').inputValue()).toBe('dark');
    await eventually(async () => (await practitioner.getByLabel('Caméra', { exact: true }).inputValue()) === other, 'the remembered camera shown in "Réglages"');
    expect(await practitioner.getByLabel('Résolution vidéo').inputValue()).toBe('720');
    expect(await practitioner.getByLabel('Résolution photo').inputValue()).toBe('1080');

    // A background chosen is there again after a reload, from the start of the call.
    await practitioner.getByRole('radio', { name: 'Ciel' }).check();
    await practitioner.getByRole('button', { name: 'Fermer' }).click();
    await phoneSees(patient, practitioner, isSky, 'the sky behind the practitioner on the phone', 100_000);
    await practitioner.reload();
    await practitioner.getByRole('button', { name: 'Réglages' }).waitFor();
    await phoneSees(patient, practitioner, isSky, 'the sky on the phone after the reload');
    await openSettings(practitioner);
    expect(await practitioner.getByRole('radio', { name: 'Ciel' }).isChecked()).toBeTrue();
  }, 240_000);

  it('blurs the background the phone receives, replaces it by a picture, and "Aucun" gives the camera back', async () => {
    const { practitioner, patient } = await startCall(t, hub, chrome);
    // The fake camera's picture: sharp digits and shapes on a plain ground.
    const raw = await seenPicture(patient);
    expect(raw.sharpness).toBeGreaterThan(1);
    await openSettings(practitioner);
    const blur = practitioner.getByRole('radio', { name: 'Flou' });
    expect(await blur.isDisabled()).withContext('Chromium runs the segmentation (WebGL 2)').toBeFalse();
    await blur.check();
    // No person in the fake camera: all of it is background, so all of it is blurred. The first
    // time, the segmentation compiles its GPU programs before it runs: from seconds to a minute
    // on a loaded machine without a GPU.
    await phoneSees(patient, practitioner, (seen) => seen.sharpness < raw.sharpness / 3, `a blurred picture on the phone (raw sharpness ${raw.sharpness.toFixed(2)})`, 100_000);

    await practitioner.getByRole('radio', { name: 'Ciel' }).check();
    // The sky picture: blue above green, far bluer than the fake camera's ground.
    expect(isSky(raw)).withContext('the fake camera is no sky').toBeFalse();
    await phoneSees(patient, practitioner, isSky, 'the sky picture behind the practitioner on the phone');

    await practitioner.getByRole('radio', { name: 'Aucun' }).check();
    await phoneSees(patient, practitioner, (seen) => seen.sharpness > raw.sharpness * 0.7, 'the camera as it is on the phone again');
  }, 240_000);

  it('caps the bit rate of the video the phone receives to the chosen bandwidth, and "Automatique" lifts the cap', async () => {
    const { practitioner, patient } = await startCall(t, hub, chrome);
    // The sender ramps up to its free rate first (the fake camera's picture needs about 450 kbit/s).
    const free = await eventually(async () => {
      const kbps = await receivedKbps(patient, 2000);
      return kbps > 260 ? kbps : null;
    }, 'the free rate above 260 kbit/s', 60_000);
    await openSettings(practitioner);
    await practitioner.getByLabel('Bande passante (vidéo envoyée)').selectOption({ label: '150 kbit/s' });
    // The encoder's rate control settles within a few seconds.
    await patient.waitForTimeout(4000);
    const capped = await receivedKbps(patient);
    // The cap, with room for the packets' headers and the rate control's swings.
    expect(capped).withContext(`free ${free.toFixed(0)} kbit/s`).toBeLessThan(200);
    await practitioner.getByLabel('Bande passante (vidéo envoyée)').selectOption({ label: 'Automatique' });
    await eventually(async () => (await receivedKbps(patient, 2000)) > 260, 'the rate free again', 60_000);
  });
});
