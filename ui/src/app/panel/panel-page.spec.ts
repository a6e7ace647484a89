import { HttpTestingController } from '@angular/common/http/testing';
import type { Presence } from '#protocol/live';
import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { paymentOf } from '../billing/testing';
import { provideI18nTesting } from '../i18n/testing';
import { buttonNamed, flushCallRequests, liveTesting, presenceOf, settle, stateFrame, summaryOf, textOf } from '../live/testing';
import { provideApiTesting } from '../shared/testing';
import { PanelPage } from './panel-page';

describe('PanelPage', () => {
  let live: ReturnType<typeof liveTesting>;
  let backend: HttpTestingController;
  let fixture: ComponentFixture<PanelPage>;
  let element: HTMLElement;
  const latest = () => live.latest();
  const sent = () => live.sent();
  const text = () => textOf(element);
  const button = (name: string) => buttonNamed(element, name);
  const state = (patient: Parameters<typeof stateFrame>[1]) => stateFrame('practitioner', patient);

  beforeEach(() => {
    live = liveTesting();
    TestBed.configureTestingModule({
      providers: [
        ...provideApiTesting(),
        provideRouter([]),
        provideI18nTesting('fr-FR'),
        ...live.providers,
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => {
    // The invoice follows the live state (reloaded after each new `state`).
    for (const request of backend.match('/api/live/tc_1/practitioner/invoice')) request.flush({ presetsCents: [], currency: 'EUR', maxCents: 50000, sandbox: true, payment: paymentOf() });
    flushCallRequests(backend, 'practitioner');
    backend.verify();
  });

  /** The panel with the patient `patient`; a payment already requested, so hanging up is not held back. */
  async function render(patient: Presence['patient']): Promise<void> {
    fixture = TestBed.createComponent(PanelPage);
    fixture.componentRef.setInput('id', 'tc_1');
    element = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    backend.expectOne('/api/live/tc_1/practitioner/session').flush(summaryOf({ role: 'practitioner' }));
    await settle(fixture);
    backend.expectOne('/api/live/tc_1/practitioner/invoice').flush({ presetsCents: [3000], currency: 'EUR', maxCents: 50000, sandbox: true, payment: paymentOf() });
    latest().serverOpens();
    latest().serverSends(state(patient));
    await settle(fixture);
    // In the call, "€ Facture" is in the patient's tab: that one loads its state too.
    for (const request of backend.match('/api/live/tc_1/practitioner/invoice')) request.flush({ presetsCents: [3000], currency: 'EUR', maxCents: 50000, sandbox: true, payment: paymentOf() });
    await settle(fixture);
  }

  it('shows the waiting patient with Accepter / Refuser', async () => {
    await render('waiting');
    expect(element.querySelector('h1')?.textContent).toBe('Espace praticien');
    expect(text()).toContain("Camille M. est en salle d'attente");
    button('Refuser')!.click();
    await settle(fixture);
    // "Refuser" first offers its messages; the first preset is chosen.
    expect(sent()).toEqual([]);
    button('Envoyer le refus')!.click();
    expect(sent()).toEqual(['deny']);
  });

  it('"Accepter" joins the call first, then has the connector admit the patient', async () => {
    await render('waiting');
    button('Accepter')!.click();
    await settle(fixture);
    const { deps, driver } = live.conferences.loaded[0]!;
    expect([deps.presence(), deps.peerName]).toEqual(['waiting', 'Camille M.']);
    expect(driver.joined).toEqual([{ role: 'practitioner', displayName: 'Dr Claire Dubois' }]);
    // "Réglages" gives the call its limits on what is sent (none set here) before it joins.
    expect(driver.qualities).toEqual([{ maxVideoKbps: null, maxVideoHeight: null }]);
    expect(sent()).toEqual(['admit']);
    expect(element.querySelector('tc-practitioner-call')).not.toBeNull();
  });

  it('approves a media-lobby knock at once when admitted, or as soon as the connector admits', async () => {
    await render('waiting');
    button('Accepter')!.click();
    await settle(fixture);
    const { driver } = live.conferences.loaded[0]!;
    driver.emit('knocking', { id: 'k1', name: 'Camille M.' });
    expect(driver.calls).toEqual(['join']);
    latest().serverSends(JSON.stringify({ type: 'presence', presence: presenceOf('admitted') }));
    expect(driver.calls).toEqual(['join', 'approve k1']);
    driver.emit('knocking', { id: 'k2', name: 'Camille M.' });
    expect(driver.calls).toEqual(['join', 'approve k1', 'approve k2']);
  });

  it('is back in the call after a reload while the patient is admitted', async () => {
    await render('admitted');
    expect(live.conferences.loaded.length).toBe(1);
    expect(live.conferences.released.length).toBe(0);
  });

  it('the red phone ends the consultation for both: "end" sent, the call left, the end shown while the connection stays', async () => {
    await render('admitted');
    button('Raccrocher')!.click();
    await settle(fixture);
    expect(sent()).toEqual(['end']);
    expect(live.conferences.released.length).toBe(1);
    latest().serverSends('{"type":"status","status":"ended","endedBy":"practitioner"}');
    await settle(fixture);
    expect(text()).toContain('La consultation est terminée.');
    expect(text()).not.toContain('a raccroché');
    expect(latest().closedWith).toBeUndefined();
    // Not back in the call on its own.
    latest().serverSends(JSON.stringify({ type: 'presence', presence: presenceOf('admitted') }));
    await settle(fixture);
    expect(live.conferences.loaded.length).toBe(1);
  });

  it("ended by the patient's red phone: the call stops and the end says so; the patient's return brings the call back", async () => {
    await render('admitted');
    latest().serverSends('{"type":"status","status":"ended","endedBy":"patient"}');
    await settle(fixture);
    expect(live.conferences.released.length).toBe(1);
    expect(element.querySelector('[data-testid=ended-by]')?.textContent).toContain('Camille M. a raccroché.');
    expect(sent()).toEqual([]);
    latest().serverSends('{"type":"status","status":"in_progress","endedBy":null}');
    latest().serverSends(JSON.stringify({ type: 'presence', presence: presenceOf('admitted') }));
    await settle(fixture);
    expect(live.conferences.loaded.length).toBe(2);
    expect(element.querySelector('[data-testid=panel-ended]')).toBeNull();
  });

  it('says why the page cannot open (link invalid)', async () => {
    fixture = TestBed.createComponent(PanelPage);
    fixture.componentRef.setInput('id', 'tc_1');
    element = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    backend.expectOne('/api/live/tc_1/practitioner/session').flush({ error: { code: 'SESSION_REQUIRED', message: 'x' } }, { status: 401, statusText: 'Unauthorized' });
    await settle(fixture);
    expect(element.querySelector('[role=alert]')?.textContent).toBeTruthy();
    expect(live.sockets.length).toBe(0);
  });
});
