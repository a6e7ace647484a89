import { TestBed } from '@angular/core/testing';
import { Title } from '@angular/platform-browser';
import { I18n } from '../i18n/i18n';
import { provideI18nTesting } from '../i18n/testing';
import { restoreDocumentAfterEach } from '../shared/testing';
import { PATIENT_PATH, PatientApp, patientRouteOf } from './patient-app';

describe('PatientApp (the patient\'s own entry)', () => {
  restoreDocumentAfterEach();

  /** Renders the patient's entry as opened at `path`. */
  async function renderAt(path: string) {
    TestBed.configureTestingModule({ providers: [provideI18nTesting('fr-FR'), { provide: PATIENT_PATH, useValue: path }] });
    const fixture = TestBed.createComponent(PatientApp);
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    const heading = () => element.querySelector('main h1')?.textContent?.trim();
    return { fixture, element, heading };
  }

  it('shows the product name and the language switcher around the page', async () => {
    const { element } = await renderAt('/app/patient');
    expect(element.querySelector('header .app-name')?.textContent?.trim()).toBe('Téléconsultation');
    expect(element.querySelectorAll('header tc-language-switcher button').length).toBe(2);
  });

  it('loads the patient page at /patient', async () => {
    const { heading } = await renderAt('/app/patient');
    expect(heading()).toBe('Votre téléconsultation');
    expect(TestBed.inject(Title).getTitle()).toBe('Votre téléconsultation · Téléconsultation');
  });

  it('translates the page and the document title when the language changes', async () => {
    const { fixture, heading } = await renderAt('/app/patient/');
    TestBed.inject(I18n).use('en');
    await fixture.whenStable();
    expect(heading()).toBe('Your teleconsultation');
    expect(TestBed.inject(Title).getTitle()).toBe('Your teleconsultation · Teleconsultation');
  });

  it('shows the not-found page for an address deeper than one consultation', async () => {
    const { heading } = await renderAt('/app/patient/tc_1/more');
    expect(heading()).toBe('Page introuvable');
  });
});

describe('patientRouteOf', () => {
  it('tells the landing, a consultation and unknown addresses apart', () => {
    expect(patientRouteOf('/app/patient')).toEqual({ page: 'landing' });
    expect(patientRouteOf('/app/patient/')).toEqual({ page: 'landing' });
    expect(patientRouteOf('/app/patient/tc_1')).toEqual({ page: 'consultation', id: 'tc_1' });
    expect(patientRouteOf('/app/patient/tc_1/')).toEqual({ page: 'consultation', id: 'tc_1' });
    expect(patientRouteOf('/app/patient/a%20b')).toEqual({ page: 'consultation', id: 'a b' });
    expect(patientRouteOf('/app/patient/%E0')).toEqual({ page: 'not-found' });
    expect(patientRouteOf('/app/patient/tc_1/x')).toEqual({ page: 'not-found' });
    expect(patientRouteOf('/app/patients')).toEqual({ page: 'not-found' });
    expect(patientRouteOf('/app/panel/tc_1')).toEqual({ page: 'not-found' });
  });
});
