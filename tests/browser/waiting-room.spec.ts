/**
 * The waiting room in Chromium, end to end on the real connector: the patient on a phone,
 * the practitioner on a laptop. A knock reaches a panel whose tab is in the background (a
 * system notification, a chime, the tab title marked); "Retard 10 min" and "Refuser" with a
 * message reach the patient's screen; the pages pass axe without serious violations.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { eventually, useAppWithHub } from '../support/harness.ts';
import { seriousViolations } from './support/accessibility.ts';
import { useCallBrowser } from './support/browser.ts';
import { ensureUiBuilt } from './support/ui-build.ts';

/** Records every Notification shown and every oscillator started, before the page's scripts run. */
const RECORD_ALERTS = `
  window.__shown = [];
  window.__tones = 0;
  const Native = window.Notification;
  if (Native) {
    const Recorded = function (title, options) {
      window.__shown.push({ title, body: options && options.body });
      return new Native(title, options);
    };
    Object.defineProperty(Recorded, 'permission', { get: () => Native.permission });
    Recorded.requestPermission = (...args) => Native.requestPermission(...args);
    window.Notification = Recorded;
  }
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__tones++;
    return start.apply(this, args);
  };
`;

describe('waiting room in Chromium', () => {
  const { t, hub } = useAppWithHub(async () => { await ensureUiBuilt(); return {}; });
  const chrome = useCallBrowser();

  async function open(): Promise<{ practitioner: Page; patient: Page; practitionerContext: BrowserContext }> {
    const appointment = hub.upsert(hub.makeAppointment({ startsAt: new Date().toISOString() }));
    expect((await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.created', appointment)).status).toBe(202);
    const links = await eventually(() => hub.writeBacks.get(appointment.id)?.[0], 'the links written back to the agenda');
    const local = (url: string) => `${t.url}${new URL(url).pathname}`;
    const [practitionerContext, patientContext] = await Promise.all([
      chrome.browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 800 } }),
      chrome.browser.newContext({ locale: 'fr-FR', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true }),
    ]);
    chrome.contexts.push(practitionerContext, patientContext);
    await practitionerContext.grantPermissions(['notifications'], { origin: t.url });
    await practitionerContext.addInitScript(RECORD_ALERTS);
    const practitioner = await practitionerContext.newPage();
    const patient = await patientContext.newPage();
    await practitioner.goto(local(links.joinUrl));
    await practitioner.getByText(/n'est pas encore arrivé/).waitFor();
    await patient.goto(local(links.patientUrl));
    await patient.getByRole('meter', { name: 'Niveau du micro' }).waitFor();
    expect(await seriousViolations(patient, 'main')).toEqual([]);
    return { practitioner, patient, practitionerContext };
  }

  it('alerts a panel in the background of a knock (notification, sound, title), and the patient sees the delay', async () => {
    const { practitioner, patient, practitionerContext } = await open();
    // A click on the panel first, as a practitioner does when opening it: browsers start audio only after one.
    await practitioner.getByRole('heading', { name: "Salle d'attente" }).click();
    expect(await practitioner.getByText('Notifications activées').count()).toBe(1);
    // The practitioner shares another tab: the panel is behind it.
    // Playwright emulates focus on every page; without it, the panel's focus and visibility are the browser's own.
    const cdp = await practitionerContext.newCDPSession(practitioner);
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
    const other = await practitionerContext.newPage();
    await other.goto(`${t.url}/health`).catch(() => undefined);
    await other.bringToFront();
    await practitioner.waitForFunction(() => document.visibilityState === 'hidden' || !document.hasFocus(), undefined, { timeout: 10_000 });

    await patient.getByRole('button', { name: "Rejoindre la salle d'attente" }).click();
    await patient.getByText('Le praticien a été prévenu de votre arrivée.').waitFor();

    await practitioner.waitForFunction(() => (window as unknown as { __shown: unknown[] }).__shown.length > 0, undefined, { timeout: 15_000 }).catch(async (error: unknown) => {
      const seen = await practitioner.evaluate(() => `${document.title} | tones ${(window as unknown as { __tones: number }).__tones} | ${document.visibilityState} | ${Notification.permission} | ${document.body.innerText.slice(0, 300)}`);
      throw new Error(`no notification on the panel: ${seen}`, { cause: error });
    });
    const alerts = await practitioner.evaluate(() => ({
      shown: (window as unknown as { __shown: { title: string }[] }).__shown,
      tones: (window as unknown as { __tones: number }).__tones,
      title: document.title,
      seen: document.visibilityState === 'visible' && document.hasFocus(),
    }));
    expect(alerts.seen).toBeFalse();
    expect(alerts.shown.length).toBe(1);
    expect(alerts.shown[0]!.title).toMatch(/est en salle d'attente$/);
    expect(alerts.tones).toBeGreaterThan(0);
    expect(alerts.title).toMatch(/^\(1\) Patient en attente – /);

    await practitioner.bringToFront();
    expect(await seriousViolations(practitioner, '.waiting-room')).toEqual([]);
    await practitioner.getByRole('button', { name: 'Retard 10 min' }).click();
    await patient.getByText('Le praticien a environ 10 min de retard.').waitFor();
    expect(await seriousViolations(patient, 'main')).toEqual([]);
  });

  it('"Refuser" with a typed message: the patient reads it', async () => {
    const { practitioner, patient } = await open();
    await patient.getByRole('button', { name: "Rejoindre la salle d'attente" }).click();
    await practitioner.getByText(/est en salle d'attente/).waitFor();
    await practitioner.getByRole('button', { name: 'Refuser' }).click();
    await practitioner.getByRole('radio', { name: 'Autre message' }).check();
    await practitioner.getByRole('textbox', { name: /Votre message/ }).fill('Je vous rappelle à 15 h.');
    await practitioner.getByRole('button', { name: 'Envoyer le refus' }).click();
    await patient.getByText('Message du praticien : Je vous rappelle à 15 h.').waitFor();
    await patient.getByText('Le praticien ne peut pas vous recevoir pour le moment.').waitFor();
  });
});
