import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { Presence } from '#protocol/live';
import { paymentOf } from '../billing/testing';
import { provideI18nTesting } from '../i18n/testing';
import { CONFERENCE_LOADER } from '../live/conference';
import { LIVE_WEB_SOCKET } from '../live/live-socket';
import { FakeWebSocket, fakeConferenceLoader, summaryOf } from '../live/testing';
import { apiErrorInterceptor } from '../shared/api-error';
import { PanelPage } from './panel-page';

describe('PanelPage', () => {
  let sockets: FakeWebSocket[];
  let backend: HttpTestingController;
  let conferences: ReturnType<typeof fakeConferenceLoader>;
  let fixture: ComponentFixture<PanelPage>;
  let element: HTMLElement;
  const latest = () => sockets[sockets.length - 1]!;
  const sent = () => latest().sent.map((frame) => (JSON.parse(frame) as { type: string }).type);
  const text = () => (element.textContent ?? '').replace(/\s+/g, ' ');
  const button = (name: string) => [...element.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
  const presence = (patient: Presence['patient']): Presence => ({ practitioner: 'online', patient, waitingSince: patient === 'waiting' ? '2026-06-15T08:31:00Z' : null });
  const state = (patient: Presence['patient']) =>
    JSON.stringify({ type: 'state', you: { role: 'practitioner' }, teleconsultation: summaryOf().teleconsultation, presence: presence(patient), media: summaryOf().media });

  beforeEach(() => {
    sockets = [];
    conferences = fakeConferenceLoader();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([apiErrorInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideI18nTesting('fr-FR'),
        { provide: LIVE_WEB_SOCKET, useValue: (url: string) => { const s = new FakeWebSocket(url); sockets.push(s); return s; } },
        { provide: CONFERENCE_LOADER, useValue: conferences.loader },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => {
    // The invoice follows the live state (reloaded after each new `state`).
    for (const request of backend.match('/api/live/tc_1/practitioner/invoice')) request.flush({ presetsCents: [], currency: 'EUR', maxCents: 50000, sandbox: true, payment: paymentOf() });
    backend.verify();
  });

  /** Lets promises, timers and change detection settle. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve));
    await fixture.whenStable();
  }

  /** The panel with the patient `patient`; a payment already requested, so hanging up is not held back. */
  async function render(patient: Presence['patient']): Promise<void> {
    fixture = TestBed.createComponent(PanelPage);
    fixture.componentRef.setInput('id', 'tc_1');
    element = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    backend.expectOne('/api/live/tc_1/practitioner/session').flush(summaryOf({ role: 'practitioner' }));
    await settle();
    backend.expectOne('/api/live/tc_1/practitioner/invoice').flush({ presetsCents: [3000], currency: 'EUR', maxCents: 50000, sandbox: true, payment: paymentOf() });
    latest().serverOpens();
    latest().serverSends(state(patient));
    await settle();
  }

  it('shows the waiting patient with Accepter / Refuser', async () => {
    await render('waiting');
    expect(element.querySelector('h1')?.textContent).toBe('Espace praticien');
    expect(text()).toContain("Camille M. est en salle d'attente");
    button('Refuser')!.click();
    expect(sent()).toEqual(['deny']);
  });

  it('"Accepter" joins the call first, then has the connector admit the patient', async () => {
    await render('waiting');
    button('Accepter')!.click();
    await settle();
    const { deps, driver } = conferences.loaded[0]!;
    expect([deps.presence(), deps.peerName]).toEqual(['waiting', 'Camille M.']);
    expect(driver.joined).toEqual([{ role: 'practitioner', displayName: 'Dr Claire Dubois' }]);
    expect(sent()).toEqual(['admit']);
    expect(element.querySelector('tc-live-call')).not.toBeNull();
  });

  it('approves a media-lobby knock at once when admitted, or as soon as the connector admits', async () => {
    await render('waiting');
    button('Accepter')!.click();
    await settle();
    const { driver } = conferences.loaded[0]!;
    driver.emit('knocking', { id: 'k1', name: 'Camille M.' });
    expect(driver.calls).toEqual(['join']);
    latest().serverSends(JSON.stringify({ type: 'presence', presence: presence('admitted') }));
    expect(driver.calls).toEqual(['join', 'approve k1']);
    driver.emit('knocking', { id: 'k2', name: 'Camille M.' });
    expect(driver.calls).toEqual(['join', 'approve k1', 'approve k2']);
  });

  it('is back in the call after a reload while the patient is admitted; after hanging up, stays out until "Reprendre l\'appel"', async () => {
    await render('admitted');
    expect(conferences.loaded.length).toBe(1);
    button('Raccrocher')!.click();
    await settle();
    expect(conferences.released.length).toBe(1);
    expect(text()).toContain('Camille M. est en consultation.');
    expect(button('Terminer la téléconsultation')).toBeDefined();
    latest().serverSends(state('admitted'));
    await settle();
    expect(conferences.loaded.length).toBe(1);
    button("Reprendre l'appel")!.click();
    await settle();
    expect(conferences.loaded.length).toBe(2);
    expect(button('Terminer la téléconsultation')).toBeUndefined();
  });

  it('"Terminer la téléconsultation" asks the connector, whose status ends the page', async () => {
    await render('admitted');
    button('Raccrocher')!.click();
    await settle();
    button('Terminer la téléconsultation')!.click();
    expect(sent()).toEqual(['end']);
    latest().serverSends('{"type":"status","status":"ended"}');
    await settle();
    expect(text()).toContain('La consultation est terminée.');
    expect(latest().closedWith).toBe(1000);
  });

  it('says why the page cannot open (link invalid)', async () => {
    fixture = TestBed.createComponent(PanelPage);
    fixture.componentRef.setInput('id', 'tc_1');
    element = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    backend.expectOne('/api/live/tc_1/practitioner/session').flush({ error: { code: 'SESSION_REQUIRED', message: 'x' } }, { status: 401, statusText: 'Unauthorized' });
    await settle();
    expect(element.querySelector('[role=alert]')?.textContent).toBeTruthy();
    expect(sockets.length).toBe(0);
  });
});
