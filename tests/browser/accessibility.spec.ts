/**
 * Accessibility of the consultation's pages in Chromium, with axe-core: no serious or critical
 * violation on the patient's phone (call, end screen, consultation space) nor on the
 * practitioner's panel (call, "Réglages", end).
 */
import { useAppWithHub } from '../support/harness.ts';
import { seriousViolations } from './support/accessibility.ts';
import { useCallBrowser } from './support/browser.ts';
import { startCall } from './support/consultation.ts';
import { ensureUiBuilt } from './support/ui-build.ts';

describe('accessibility of the call and its end (axe-core)', () => {
  const { t, hub } = useAppWithHub(async () => { await ensureUiBuilt(); return {}; });
  const chrome = useCallBrowser();

  it('finds no serious or critical violation in the call, "Réglages", the end screen and the consultation space', async () => {
    const call = await startCall(t, hub, chrome);
    const { practitioner, patient } = call;
    expect(await seriousViolations(practitioner)).toEqual([]);
    expect(await seriousViolations(patient)).toEqual([]);
    await practitioner.getByRole('button', { name: 'Réglages' }).click();
    await practitioner.getByRole('dialog').first().waitFor();
    expect(await seriousViolations(practitioner)).toEqual([]);
    await practitioner.keyboard.press('Escape');
    await patient.getByRole('button', { name: 'Raccrocher' }).click();
    await patient.getByTestId('consultation-space').getByText('La téléconsultation est terminée').waitFor();
    await practitioner.getByTestId('panel-ended').waitFor();
    expect(await seriousViolations(patient)).toEqual([]);
    expect(await seriousViolations(practitioner)).toEqual([]);
  });
});
