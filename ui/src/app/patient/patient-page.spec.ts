import { Component, output } from '@angular/core';
import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { provideI18nTesting } from '../i18n/testing';
import { buttonNamed, flushCallRequests, liveTesting, presenceOf, settle, stateFrame, summaryOf, textOf } from '../live/testing';
import { provideApiTesting } from '../shared/testing';
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
  let live: ReturnType<typeof liveTesting>;
  let backend: HttpTestingController;
  let fixture: ComponentFixture<PatientPage>;
  let element: HTMLElement;
  const latest = () => live.latest();
  const sent = () => live.sent();
  const text = () => textOf(element);
  const button = (name: string) => buttonNamed(element, name);
  const state = (patient: Parameters<typeof stateFrame>[1]) => stateFrame('patient', patient);

  beforeEach(async () => {
    live = liveTesting();
    TestBed.configureTestingModule({
      providers: [
        ...provideApiTesting(),
        provideI18nTesting('fr-FR'),
        ...live.providers,
      ],
    });
    TestBed.overrideComponent(PatientPage, { remove: { imports: [DeviceCheck] }, add: { imports: [ChosenDevices] } });
    // The call's tools are a deferred block: compiled ahead so that the specs render it.
    await TestBed.compileComponents();
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => {
    // The payment follows the live state (reloaded after each new `state` and at the end).
    for (const request of backend.match('/api/live/tc_1/patient/payment')) request.flush({ payment: null });
    flushCallRequests(backend, 'patient');
    backend.verify();
  });

  async function render(): Promise<void> {
    fixture = TestBed.createComponent(PatientPage);
    fixture.componentRef.setInput('id', 'tc_1');
    element = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    backend.expectOne('/api/live/tc_1/patient/session').flush(summaryOf());
    await settle(fixture);
    backend.expectOne('/api/live/tc_1/patient/payment').flush({ payment: null });
    latest().serverOpens();
    latest().serverSends(state('absent'));
    await settle(fixture);
  }

  it('shows the appointment and the device check, then waits after knocking', async () => {
    await render();
    expect(element.querySelector('h1')?.textContent).toBe('Votre téléconsultation');
    expect(text()).toContain('Dr Claire Dubois');
    button("Rejoindre la salle d'attente")!.click();
    await settle(fixture);
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
    await settle(fixture);
    expect(live.conferences.loaded.length).toBe(1);
    const { deps, driver } = live.conferences.loaded[0]!;
    expect([deps.presence(), deps.peerName]).toEqual(['admitted', 'Dr Claire Dubois']);
    expect(driver.joined).toEqual([{ role: 'patient', displayName: 'Camille M.', cameraId: 'cam-2' }]);
    expect(driver.calls).toEqual(['join', 'knock']);
    expect(element.querySelector('tc-patient-call')).not.toBeNull();
    // A later state that still says admitted does not start a second call.
    latest().serverSends(state('admitted'));
    await settle(fixture);
    expect(live.conferences.loaded.length).toBe(1);
  });

  it('ends on the waiting room\'s denial and closes the live connection', async () => {
    await render();
    latest().serverSends('{"type":"denied"}');
    await settle(fixture);
    expect(element.querySelector('[data-testid=end-screen]')?.textContent).toContain('Le praticien ne peut pas vous recevoir');
    expect(latest().closedWith).toBe(1000);
  });

  it('ends when the media lobby denies: the driver is released, the live connection closed', async () => {
    await render();
    latest().serverSends(state('admitted'));
    await settle(fixture);
    live.conferences.loaded[0]!.driver.emit('denied');
    await settle(fixture);
    expect(text()).toContain('Le praticien ne peut pas vous recevoir');
    expect(live.conferences.released.length).toBe(1);
    expect(latest().closedWith).toBe(1000);
  });

  it("the red phone ends it for both: \"end\" sent, the driver released, the consultation space shown; a patient who hung up can come back", async () => {
    await render();
    latest().serverSends(state('admitted'));
    await settle(fixture);
    button('Raccrocher')!.click();
    await settle(fixture);
    expect(sent()).toEqual(['end']);
    expect(live.conferences.released.length).toBe(1);
    latest().serverSends('{"type":"status","status":"ended","endedBy":"patient"}');
    await settle(fixture);
    flushCallRequests(backend, 'patient');
    await settle(fixture);
    expect(element.querySelector('[data-testid=consultation-space]')).not.toBeNull();
    expect(text()).toContain('La téléconsultation est terminée');
    // The practitioner is still there: "Revenir dans la consultation".
    button('Revenir dans la consultation')!.click();
    expect(sent()).toEqual(['end', 'return']);
    latest().serverSends('{"type":"status","status":"in_progress","endedBy":null}');
    latest().serverSends('{"type":"admitted"}');
    await settle(fixture);
    expect(live.conferences.loaded.length).toBe(2);
  });

  it('offers no return once the practitioner has left, nor after their own red phone', async () => {
    await render();
    latest().serverSends(state('admitted'));
    await settle(fixture);
    latest().serverSends('{"type":"status","status":"ended","endedBy":"practitioner"}');
    await settle(fixture);
    flushCallRequests(backend, 'patient');
    await settle(fixture);
    expect(text()).toContain('La téléconsultation est terminée');
    expect(button('Revenir dans la consultation')).toBeUndefined();
  });

  it('opens on the consultation space after the call window, without the device check', async () => {
    fixture = TestBed.createComponent(PatientPage);
    fixture.componentRef.setInput('id', 'tc_1');
    element = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    backend.expectOne('/api/live/tc_1/patient/session').flush(summaryOf({ access: 'space', status: 'ended' }));
    await settle(fixture);
    flushCallRequests(backend, 'patient');
    await settle(fixture);
    expect(element.querySelector('[data-testid=consultation-space]')).not.toBeNull();
    expect(text()).toContain('Votre téléconsultation');
    expect(button("Rejoindre la salle d'attente")).toBeUndefined();
  });
});
