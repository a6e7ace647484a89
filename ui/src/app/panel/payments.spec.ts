import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { Router, provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { routes } from '../app.routes';
import type { PaymentListItem } from '../billing/billing-api';
import { paymentOf } from '../billing/testing';
import { provideI18nTesting } from '../i18n/testing';
import { provideApiTesting } from '../shared/testing';
import { PaymentsPage, formatStartsAt } from './payments';

const LIST_URL = '/api/live/tc_1/practitioner/payments';
const plain = (text: string | null | undefined) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();

const items: PaymentListItem[] = [
  { teleconsultationId: 'tc_2', startsAt: '2026-06-16T08:30:00.000Z', status: 'scheduled', patientName: 'Louis B.', payment: null },
  { teleconsultationId: 'tc_1', startsAt: '2026-06-15T08:30:00.000Z', status: 'ended', patientName: 'Camille M.', payment: paymentOf({ status: 'paid' }) },
  { teleconsultationId: 'tc_0', startsAt: '2026-06-14T08:30:00.000Z', status: 'ended', patientName: 'Léa D.', payment: paymentOf({ id: 'pay_0', amount: { value: 2500, currency: 'EUR' } }) },
];

describe('PaymentsPage ("Suivi des paiements")', () => {
  let backend: HttpTestingController;
  let fixture: ComponentFixture<PaymentsPage>;
  let element: HTMLElement;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        ...provideApiTesting(),
        provideRouter(routes, withComponentInputBinding()),
        provideI18nTesting('fr-FR'),
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  async function render(): Promise<void> {
    fixture = TestBed.createComponent(PaymentsPage);
    fixture.componentRef.setInput('id', 'tc_1');
    element = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
  }

  const rows = () => [...element.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((cell) => plain(cell.textContent)));

  it('lists the teleconsultations with date, patient, status, amount and payment status', async () => {
    await render();
    backend.expectOne(LIST_URL).flush({ items });
    await fixture.whenStable();
    expect(plain(element.querySelector('h1')?.textContent)).toBe('Suivi des paiements');
    expect(rows()).toEqual([
      [formatStartsAt(items[0]!.startsAt, 'fr').replace(/[\u00a0\u202f]/g, ' '), 'Louis B.', 'Prévue', '—', 'Non demandé', ''],
      [formatStartsAt(items[1]!.startsAt, 'fr').replace(/[\u00a0\u202f]/g, ' '), 'Camille M.', 'Terminée', '30,00 €', 'Payée', 'Ouvrir la salle d\'attente (celle-ci)'],
      [formatStartsAt(items[2]!.startsAt, 'fr').replace(/[\u00a0\u202f]/g, ' '), 'Léa D.', 'Terminée', '25,00 €', 'Demandée', ''],
    ]);
  });

  it('links only the current teleconsultation to its waiting room', async () => {
    await render();
    backend.expectOne(LIST_URL).flush({ items });
    await fixture.whenStable();
    const links = [...element.querySelectorAll<HTMLAnchorElement>('tbody a')];
    expect(links.length).toBe(1);
    expect(new URL(links[0]!.href).pathname).toBe('/panel/tc_1');
  });

  it('says when there is nothing yet', async () => {
    await render();
    backend.expectOne(LIST_URL).flush({ items: [] });
    await fixture.whenStable();
    expect(plain(element.textContent)).toContain('Aucune téléconsultation pour le moment.');
    expect(element.querySelector('table')).toBeNull();
  });

  it('shows a server or network failure, and "Actualiser" asks again', async () => {
    await render();
    backend.expectOne(LIST_URL).flush({ error: { code: 'INTERNAL', message: 'x' } }, { status: 500, statusText: 'Internal Server Error' });
    await fixture.whenStable();
    expect(plain(element.querySelector('[role=alert]')?.textContent)).toContain('Le service rencontre un problème');

    [...element.querySelectorAll('button')].find((b) => plain(b.textContent) === 'Actualiser')!.click();
    backend.expectOne(LIST_URL).error(new ProgressEvent('error'));
    await fixture.whenStable();
    expect(plain(element.querySelector('[role=alert]')?.textContent)).toContain('Connexion impossible');

    [...element.querySelectorAll('button')].find((b) => plain(b.textContent) === 'Actualiser')!.click();
    backend.expectOne(LIST_URL).flush({ items });
    await fixture.whenStable();
    expect(element.querySelector('[role=alert]')).toBeNull();
    expect(rows().length).toBe(3);
  });

  it('is routed at /panel/:id/payments, next to /panel/:id', async () => {
    const harness = await RouterTestingHarness.create();
    const page = await harness.navigateByUrl('/panel/tc_1/payments', PaymentsPage);
    expect(page.id()).toBe('tc_1');
    backend.expectOne(LIST_URL).flush({ items: [] });
    expect(TestBed.inject(Router).url).toBe('/panel/tc_1/payments');
  });
});
