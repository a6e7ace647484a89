/**
 * Bench: from opening the patient's link to the waiting room, cold, in headless Chromium on
 * this machine: a fresh browser context (empty cache) opens `/j/{token}` on the real
 * connector (the built UI); we time until the device check offers
 * "Rejoindre la salle d'attente", and until the page says the patient is waiting after the
 * click. Several runs, each in its own context; median and worst printed against the
 * 1.5 s target. Printed only, never asserted.
 *
 *   node --import tsx tests/bench/run.ts patient-cold
 */
import { eq } from 'drizzle-orm';
import { accessLinks, teleconsultations } from '../../connector/db/schema/index.ts';
import { applyAppointment } from '../../connector/teleconsultations/apply.ts';
import { linkToken } from '../../connector/teleconsultations/links.ts';
import { launchChromium } from '../browser/support/browser.ts';
import { ensureUiBuilt } from '../browser/support/ui-build.ts';
import { makeAppointment } from '../fakes/agenda-hub.ts';
import { startTestApp, TEST_LINK_SECRET } from '../support/harness.ts';
import { percentile, printTable } from './report.ts';

const RUNS = 7;
const TARGET_MS = 1500;

/** Times the patient's link, cold, `RUNS` times. */
export async function benchPatientCold(): Promise<void> {
  await ensureUiBuilt();
  const app = await startTestApp();
  const browser = await launchChromium();
  try {
    const db = app.app.services.database.db;
    const toDeviceCheck: number[] = [];
    const toWaiting: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const appointment = makeAppointment({ startsAt: new Date(Date.now() + 10 * 60_000).toISOString() });
      await db.transaction((tx) => applyAppointment(tx, app.app.services.apply, { appointment }, { kind: 'webhook', source: 'agenda' }));
      const [t] = await db.select({ id: teleconsultations.id }).from(teleconsultations).where(eq(teleconsultations.appointmentId, appointment.id));
      const [link] = await db.select().from(accessLinks).where(eq(accessLinks.teleconsultationId, t!.id)).then((rows) => rows.filter((l) => l.role === 'patient'));
      const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 780 }, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${app.url}/j/${linkToken(TEST_LINK_SECRET, link!.id)}`);
      const join = page.getByRole('button', { name: "Rejoindre la salle d'attente" });
      await join.waitFor();
      toDeviceCheck.push(performance.now() - started);
      await join.click();
      // The waiting room replaces the device check once the knock is sent.
      await join.waitFor({ state: 'detached' });
      await page.getByRole('status').first().waitFor();
      toWaiting.push(performance.now() - started);
      await context.close();
    }
    const figure = (values: number[]) => `p50 ${percentile(values, 50).toFixed(0)} ms, worst ${Math.max(...values).toFixed(0)} ms (target ${TARGET_MS} ms; ratio ${(percentile(values, 50) / TARGET_MS).toFixed(2)})`;
    printTable('patient link, cold (headless Chromium, fresh context each run)', [
      ['runs', String(RUNS)],
      ['link → device check ready', figure(toDeviceCheck)],
      ['link → waiting room (after "Rejoindre")', figure(toWaiting)],
    ]);
    console.log(`patient-cold: link to waiting room p50 ${percentile(toWaiting, 50).toFixed(0)} ms (target ${TARGET_MS} ms)`);
  } finally {
    await browser.close();
    await app.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPatientCold();
