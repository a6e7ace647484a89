import { Component, output } from '@angular/core';
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import type { Presence } from '#protocol/live';
import { provideI18nTesting } from '../i18n/testing';
import { CONFERENCE_LOADER } from '../live/conference';
import { LIVE_WEB_SOCKET } from '../live/live-socket';
import { FakeWebSocket, fakeConferenceLoader, summaryOf } from '../live/testing';
import { apiErrorInterceptor } from '../shared/api-error';
import { DeviceCheck } from './device-check';
import { PatientPage } from './patient-page';

/** Stands in for the device check (no camera in specs): the patient picked camera `cam-2`. */
@Component({ selector: 'tc-device-check', template: '' })
class ChosenDevices {
  readonly chosen = output<{ cameraId?: string; microphoneId?: string }>();
  constructor() {
    queueMicrotask(() => this.chosen.emit({ cameraId: 'cam-2' }));
  }
}

describe('PatientPage', () => {
  let sockets: FakeWebSocket[];
  let backend: HttpTestingController;
  let conferences: ReturnType<typeof fakeConferenceLoader>;
  let fixture: ComponentFixture<PatientPage>;
  let element: HTMLElement;
  const latest = () => sockets[sockets.length - 1]!;
  const sent = () => latest().sent.map((frame) => (JSON.parse(frame) as { type: string }).type);
  const text = () => (element.textContent ?? '').replace(/\s+/g, ' ');
  const button = (name: string) => [...element.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
  const presence = (patient: Presence['patient']): Presence => ({ practitioner: 'online', patient, waitingSince: null });
  const state = (patient: Presence['patient']) => JSON.stringify({ type: 'state', you: { role: 'patient' }, teleconsultation: summaryOf().teleconsultation, presence: presence(patient), media: summaryOf().media });

  beforeEach(() => {
    sockets = [];
    conferences = fakeConferenceLoader();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([apiErrorInterceptor])),
        provideHttpClientTesting(),
        provideI18nTesting('fr-FR'),
        { provide: LIVE_WEB_SOCKET, useValue: (url: string) => { const s = new FakeWebSocket(url); sockets.push(s); return s; } },
        { provide: CONFERENCE_LOADER, useValue: conferences.loader },
      ],
    });
    TestBed.overrideComponent(PatientPage, { remove: { imports: [DeviceCheck] }, add: { imports: [ChosenDevices] } });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => {
    // The payment follows the live state (reloaded after each new `state` and at the end).
    for (const request of backend.match('/api/live/tc_1/patient/payment')) request.flush({ payment: null });
    backend.verify();
  });

  /** Lets promises, timers and change detection settle. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve));
    await fixture.whenStable();
  }

  async function render(): Promise<void> {
    fixture = TestBed.createComponent(PatientPage);
    fixture.componentRef.setInput('id', 'tc_1');
    element = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    backend.expectOne('/api/live/tc_1/patient/session').flush(summaryOf());
    await settle();
    backend.expectOne('/api/live/tc_1/patient/payment').flush({ payment: null });
    latest().serverOpens();
    latest().serverSends(state('absent'));
    await settle();
  }

  it('shows the appointment and the device check, then waits after knocking', async () => {
    await render();
    expect(element.querySelector('h1')?.textContent).toBe('Votre téléconsultation');
    expect(text()).toContain('Dr Claire Dubois');
    button("Rejoindre la salle d'attente")!.click();
    await settle();
    expect(sent()).toEqual(['knock']);
    expect(text()).toContain('Le praticien va vous accepter…');
  });

  it('knocks again when a new connection finds the patient absent', async () => {
    await render();
    latest().serverSends(state('absent'));
    expect(sent()).toEqual([]);
    button("Rejoindre la salle d'attente")!.click();
    latest().serverSends(state('absent'));
    latest().serverSends(state('waiting'));
    expect(sent()).toEqual(['knock', 'knock']);
  });

  it('joins the call once admitted, with the chosen devices, then knocks on the media side', async () => {
    await render();
    button("Rejoindre la salle d'attente")!.click();
    latest().serverSends('{"type":"admitted"}');
    await settle();
    expect(conferences.loaded.length).toBe(1);
    const { deps, driver } = conferences.loaded[0]!;
    expect([deps.presence(), deps.peerName]).toEqual(['admitted', 'Dr Claire Dubois']);
    expect(driver.joined).toEqual([{ role: 'patient', displayName: 'Camille M.', cameraId: 'cam-2' }]);
    expect(driver.calls).toEqual(['join', 'knock']);
    expect(element.querySelector('tc-live-call')).not.toBeNull();
    // A later state that still says admitted does not start a second call.
    latest().serverSends(state('admitted'));
    await settle();
    expect(conferences.loaded.length).toBe(1);
  });

  it('ends on the waiting room\'s denial and closes the live connection', async () => {
    await render();
    latest().serverSends('{"type":"denied"}');
    await settle();
    expect(element.querySelector('[data-testid=end-screen]')?.textContent).toContain('Le praticien ne peut pas vous recevoir');
    expect(latest().closedWith).toBe(1000);
  });

  it('ends when the media lobby denies: the driver is released, the live connection closed', async () => {
    await render();
    latest().serverSends(state('admitted'));
    await settle();
    conferences.loaded[0]!.driver.emit('denied');
    await settle();
    expect(text()).toContain('Le praticien ne peut pas vous recevoir');
    expect(conferences.released.length).toBe(1);
    expect(latest().closedWith).toBe(1000);
  });

  it('hangs up for good: the end screen says so and the driver is released', async () => {
    await render();
    latest().serverSends(state('admitted'));
    await settle();
    [...element.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Raccrocher')!.click();
    await settle();
    expect(element.querySelector('[data-testid=end-screen]')?.textContent).toBe('Vous avez quitté la consultation.');
    expect(conferences.released.length).toBe(1);
  });
});
