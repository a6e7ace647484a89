/**
 * The consultation's tools, in Chromium, on the real connector and a real p2p call: the
 * practitioner's panel on a computer screen and the patient's page on a phone (touch). Each
 * effect is asserted on the other side: the message that arrives, the bytes downloaded, the
 * screen received, the marker shown, the pixels painted.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import * as schema from '../../connector/db/schema/index.ts';
import { eventually, useAppWithHub } from '../support/harness.ts';
import { useCallBrowser } from './support/browser.ts';
import { mainVideoSize, pictureRect, startCall, type CallPages } from './support/consultation.ts';
import { ensureUiBuilt } from './support/ui-build.ts';

/** A small valid PDF (what `file-type` and a PDF reader both recognise). */
function pdfBytes(text: string): Buffer {
  return Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% ${text}\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** How many pixels of the page's drawing canvas are painted around a point given as fractions (a 5 % square). */
async function paintedAround(page: Page, fx: number, fy: number): Promise<number> {
  return page.evaluate(([x, y]) => {
    const canvas = document.querySelector('[data-testid=drawing-canvas]') as HTMLCanvasElement | null;
    const context = canvas?.getContext('2d');
    if (!canvas || !context || canvas.width === 0) return -1;
    const half = Math.max(2, Math.round(canvas.width * 0.025));
    const data = context.getImageData(Math.round(x! * canvas.width) - half, Math.round(y! * canvas.height) - half, half * 2, half * 2).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
    return painted;
  }, [fx, fy]);
}

/** Every painted pixel of the page's drawing canvas. */
async function paintedPixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.querySelector('[data-testid=drawing-canvas]') as HTMLCanvasElement | null;
    const context = canvas?.getContext('2d');
    if (!canvas || !context || canvas.width === 0) return -1;
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
    return painted;
  });
}

describe('consultation tools in Chromium (practitioner on a computer, patient on a phone)', () => {
  // Small per-file limit, so that "too large" is quick to show.
  const { t, hub } = useAppWithHub(async () => { await ensureUiBuilt(); return { env: { DOCUMENT_MAX_FILE_MB: '1' } }; });
  const chrome = useCallBrowser();

  async function endConsultation(call: CallPages): Promise<void> {
    const { practitioner } = call;
    await practitioner.getByRole('button', { name: 'Raccrocher', exact: true }).click();
    await practitioner.getByRole('button', { name: 'Raccrocher sans demander le paiement' }).click();
    await call.patient.getByText('La téléconsultation est terminée').waitFor();
  }

  it('carries messages both ways, counts the unread ones, keeps them over a reload and in the transcript after the end', async () => {
    const call = await startCall(t, hub, chrome);
    const { practitioner, patient } = call;
    await practitioner.getByRole('tab', { name: 'Messages' }).click();
    await practitioner.getByLabel('Votre message').fill('Bonjour, montrez-moi la zone.');
    await practitioner.getByLabel('Votre message').press('Enter');
    // Closed on the phone: the count says a message came.
    await patient.getByTestId('unread-count').getByText('1').waitFor();
    await patient.getByRole('button', { name: /^Messages/ }).click();
    await patient.getByTestId('messages-sheet').getByText('Bonjour, montrez-moi la zone.').waitFor();
    expect(await patient.getByTestId('unread-count').count()).toBe(0);
    await patient.getByLabel('Votre message').fill('Voici, sur le bras gauche.');
    await patient.getByRole('button', { name: 'Envoyer' }).click();
    const entry = practitioner.getByTestId('conversation-entry').filter({ hasText: 'Voici, sur le bras gauche.' });
    await entry.waitFor();
    expect(await entry.getAttribute('data-from')).toBe('patient');

    await patient.reload();
    await mainVideoSize(patient, 'peer');
    await patient.getByRole('button', { name: /^Messages/ }).click();
    await patient.getByTestId('messages-sheet').getByText('Voici, sur le bras gauche.').waitFor();
    await patient.getByTestId('messages-sheet').getByText('Bonjour, montrez-moi la zone.').waitFor();

    await endConsultation(call);
    for (const [context, role] of [[call.patientContext, 'patient'], [call.practitionerContext, 'practitioner']] as const) {
      const response = await context.request.get(`${t.url}/api/live/${call.teleconsultationId}/${role}/conversation`);
      expect(response.status()).toBe(200);
      const body = (await response.json()) as { entries: { kind: string; from: string; text?: string }[] };
      expect(body.entries.map((e) => [e.from, e.text])).toEqual([
        ['practitioner', 'Bonjour, montrez-moi la zone.'],
        ['patient', 'Voici, sur le bras gauche.'],
      ]);
    }
  });

  it("puts the practitioner's PDF in the patient's conversation, downloaded with the same bytes and safe headers; refuses bad files with their message and stores nothing", async () => {
    const call = await startCall(t, hub, chrome);
    const { practitioner, patient } = call;
    const bytes = pdfBytes(`ordonnance ${Date.now()}`);
    await practitioner.getByTestId('share-file-input').first().setInputFiles({ name: 'Ordonnance Dupré.pdf', mimeType: 'application/pdf', buffer: bytes });
    await practitioner.getByRole('tab', { name: 'Documents' }).click();
    await practitioner.getByTestId('documents').getByText('Ordonnance Dupré.pdf').waitFor();

    await patient.getByRole('button', { name: /^Messages/ }).click();
    const link = patient.getByTestId('messages-sheet').getByTestId('document-link');
    await link.getByText('Ordonnance Dupré.pdf').waitFor();
    expect(await patient.getByTestId('messages-sheet').getByText(/PDF/).count()).toBeGreaterThan(0);
    const [download] = await Promise.all([patient.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('Ordonnance Dupré.pdf');
    expect(sha256(await readFile((await download.path())!))).toBe(sha256(bytes));

    // The download's headers, through the same session-checked address and its signed link.
    const href = `${t.url}${await link.getAttribute('href')}`;
    const redirect = await call.patientContext.request.get(href, { maxRedirects: 0 });
    expect(redirect.status()).toBe(303);
    const signed = await call.patientContext.request.get(new URL(redirect.headers()['location']!, t.url).toString(), { maxRedirects: 0 });
    expect(signed.status()).toBe(200);
    const headers = signed.headers();
    expect(headers['content-disposition']).toMatch(/^attachment; filename="Ordonnance Dupr.?\.pdf"; filename\*=UTF-8''Ordonnance%20Dupr%C3%A9\.pdf$/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['content-type']).toBe('application/pdf');
    expect(sha256(await signed.body())).toBe(sha256(bytes));

    // Refused on the phone, each with its message; nothing stored of them.
    const input = patient.getByTestId('share-file-input').first();
    const refusals: [{ name: string; mimeType: string; buffer: Buffer }, RegExp][] = [
      [{ name: 'page.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>') }, /ne correspond pas à son type/],
      [{ name: '../../etc/passwd.pdf', mimeType: 'application/pdf', buffer: pdfBytes('path') }, /nom de ce fichier n'est pas accepté/],
      [{ name: 'scanner.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([pdfBytes('big'), Buffer.alloc(1024 * 1024 + 1)]) }, /Fichier trop volumineux/],
    ];
    for (const [file, message] of refusals) {
      await input.setInputFiles(file);
      await patient.getByTestId('upload-error').filter({ hasText: message }).waitFor();
    }
    const db = t.app.services.database.db;
    const rows = await db.select().from(schema.documents).where(eq(schema.documents.teleconsultationId, call.teleconsultationId));
    expect(rows.map((r) => r.name)).toEqual(['Ordonnance Dupré.pdf']);
    // No bytes without their document: a refused file left nothing behind.
    const keys = new Set((await db.select({ key: schema.documents.storageKey }).from(schema.documents)).map((d) => d.key));
    const chunks = await db.select({ key: schema.documentChunks.storageKey }).from(schema.documentChunks);
    expect(chunks.some((c) => c.key === rows[0]!.storageKey)).toBeTrue();
    expect(chunks.filter((c) => !keys.has(c.key))).toEqual([]);
  });

  it('shows the shared screen large on the phone with the camera small, the pointer at the same place, and the camera back after stopping', async () => {
    const call = await startCall(t, hub, chrome);
    const { practitioner, patient } = call;
    const camera = await mainVideoSize(patient, 'peer');
    expect(camera.width / camera.height).toBeCloseTo(4 / 3, 1);

    await practitioner.getByRole('button', { name: "Partage d'écran" }).click();
    const screen = await mainVideoSize(patient, 'peer-screen');
    expect(screen.width / screen.height).toBeCloseTo(16 / 9, 1);
    await patient.waitForFunction(() => ((document.querySelector('[data-testid=peer-tile]') as HTMLVideoElement | null)?.videoWidth ?? 0) > 0);
    await mainVideoSize(practitioner, 'own-screen');

    await practitioner.getByRole('button', { name: 'Partager le pointeur' }).click();
    const own = await pictureRect(practitioner, '[data-testid=main-video]');
    for (const [fx, fy] of [[0.3, 0.6], [0.8, 0.25]] as const) {
      await practitioner.mouse.move(own.left + fx * own.width, own.top + fy * own.height, { steps: 4 });
      const seen = await pictureRect(patient, '[data-testid=main-video]');
      await eventually(async () => {
        const box = await patient.getByTestId('pointer-marker').boundingBox();
        if (!box) return false;
        const dx = box.x + box.width / 2 - (seen.left + fx * seen.width);
        const dy = box.y + box.height / 2 - (seen.top + fy * seen.height);
        return Math.hypot(dx, dy) <= 3;
      }, `the marker at ${fx}, ${fy} of the patient's picture`, 10_000);
    }
    // The pointer leaves the shared surface: the marker goes.
    await practitioner.mouse.move(2, 2);
    await patient.getByTestId('pointer-marker').waitFor({ state: 'detached' });

    await practitioner.getByRole('button', { name: "Partage d'écran" }).click();
    const back = await mainVideoSize(patient, 'peer');
    expect(back.width / back.height).toBeCloseTo(4 / 3, 1);
  });

  it('"Fichier" shows a local image on the practitioner\'s screen only, uploads nothing, and "Montrer au patient" sends it as the shared screen', async () => {
    const call = await startCall(t, hub, chrome);
    const { practitioner, patient } = call;
    // A 400 × 200 PNG, drawn by the browser.
    const png = Buffer.from(await practitioner.evaluate(() => {
      const canvas = document.createElement('canvas');
      canvas.width = 400;
      canvas.height = 200;
      const context = canvas.getContext('2d')!;
      context.fillStyle = '#1f5fa8';
      context.fillRect(0, 0, 400, 200);
      return canvas.toDataURL('image/png').split(',')[1]!;
    }), 'base64');
    await practitioner.getByTestId('open-file-input').setInputFiles({ name: 'radio.png', mimeType: 'image/png', buffer: png });
    await practitioner.getByTestId('local-file').getByRole('img', { name: 'radio.png' }).waitFor();
    // Nothing left the practitioner's machine: the patient still sees the camera, and no document exists.
    await patient.waitForTimeout(500);
    expect(await patient.locator('[data-testid=main-video]').getAttribute('data-source')).toBe('peer');
    const db = t.app.services.database.db;
    expect(await db.select().from(schema.documents).where(eq(schema.documents.teleconsultationId, call.teleconsultationId))).toEqual([]);

    await practitioner.getByRole('button', { name: 'Montrer au patient' }).click();
    const shown = await mainVideoSize(patient, 'peer-screen');
    expect(shown.width / shown.height).toBeCloseTo(2, 1);
    // The blue of the image is what the patient's picture shows.
    const colour = await patient.evaluate(() => {
      const video = document.querySelector('[data-testid=main-video]') as HTMLVideoElement;
      const canvas = document.createElement('canvas');
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      const context = canvas.getContext('2d')!;
      context.drawImage(video, 0, 0);
      return Array.from(context.getImageData(canvas.width / 2, canvas.height / 2, 1, 1).data.slice(0, 3));
    });
    expect(Math.abs(colour[0]! - 0x1f)).toBeLessThan(40);
    expect(Math.abs(colour[2]! - 0xa8)).toBeLessThan(40);
  });

  it('paints a stroke of either side on the other at the same place (mouse and touch), keeps it for a reload, and "Effacer tout" clears both', async () => {
    const call = await startCall(t, hub, chrome);
    const { practitioner, patient } = call;
    await practitioner.getByRole('button', { name: 'Dessiner' }).click();
    await patient.getByTestId('drawing-canvas').waitFor();
    await practitioner.getByTestId('drawing-canvas').waitFor();

    // The practitioner draws with the mouse from 20 % to 40 % of the page.
    const board = (await practitioner.getByTestId('drawing-canvas').boundingBox())!;
    await practitioner.mouse.move(board.x + 0.2 * board.width, board.y + 0.2 * board.height);
    await practitioner.mouse.down();
    await practitioner.mouse.move(board.x + 0.4 * board.width, board.y + 0.4 * board.height, { steps: 12 });
    await practitioner.mouse.up();
    await eventually(async () => (await paintedAround(patient, 0.3, 0.3)) > 0, "the practitioner's stroke on the phone");
    expect(await paintedAround(patient, 0.8, 0.8)).toBe(0);

    // The patient draws with a finger from 70 % to 85 %.
    const phoneBoard = (await patient.getByTestId('drawing-canvas').boundingBox())!;
    const cdp = await call.patientContext.newCDPSession(patient);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', fx?: number, fy?: number) => cdp.send('Input.dispatchTouchEvent', {
      type, touchPoints: fx === undefined || fy === undefined ? [] : [{ x: phoneBoard.x + fx * phoneBoard.width, y: phoneBoard.y + fy * phoneBoard.height }],
    });
    await touch('touchStart', 0.7, 0.7);
    for (let i = 1; i <= 10; i++) await touch('touchMove', 0.7 + i * 0.015, 0.7 + i * 0.015);
    await touch('touchEnd');
    await eventually(async () => (await paintedAround(practitioner, 0.78, 0.78)) > 0, "the patient's finger stroke on the panel");

    // A reload gets the drawing back from the server.
    await patient.reload();
    await mainVideoSize(patient, 'peer').catch(() => undefined);
    await patient.getByTestId('drawing-canvas').waitFor();
    await eventually(async () => (await paintedAround(patient, 0.3, 0.3)) > 0 && (await paintedAround(patient, 0.78, 0.78)) > 0, 'the drawing after a reload');

    await practitioner.getByRole('button', { name: 'Effacer tout' }).click();
    await eventually(async () => (await paintedPixels(patient)) === 0 && (await paintedPixels(practitioner)) === 0, 'both canvases cleared');
  });
});
