import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { Subject } from 'rxjs';
import type { PaymentSummary, ServerMessage } from '#protocol/live';
import { paymentOf } from '../billing/testing';
import { I18n } from '../i18n/i18n';
import { LiveSocket } from '../live/live-socket';
import { provideI18nTesting } from '../i18n/testing';
import { provideApiTesting, restoreDocumentAfterEach } from '../shared/testing';
import { PatientPayment } from './payment';

const PAYMENT_URL = '/api/live/tc_1/patient/payment';
const plain = (text: string | null | undefined) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();

describe('PatientPayment (end-of-call payment)', () => {
  restoreDocumentAfterEach();
  let backend: HttpTestingController;
  let live: Subject<ServerMessage>;
  let fixture: ComponentFixture<PatientPayment>;
  let element: HTMLElement;

  beforeEach(() => {
    live = new Subject<ServerMessage>();
    TestBed.configureTestingModule({
      providers: [
        ...provideApiTesting(),
        provideI18nTesting('fr-FR'),
        { provide: LiveSocket, useValue: { messages$: live.asObservable() } },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  async function render(payment: PaymentSummary | null): Promise<void> {
    fixture = TestBed.createComponent(PatientPayment);
    fixture.componentRef.setInput('teleconsultationId', 'tc_1');
    element = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    backend.expectOne(PAYMENT_URL).flush({ payment });
    await fixture.whenStable();
  }

  const payLink = () => element.querySelector<HTMLAnchorElement>('a[data-testid=pay-link]');
  const text = () => plain(element.textContent);
  const emit = async (payment: PaymentSummary) => {
    live.next({ type: 'payment', payment });
    await fixture.whenStable();
  };

  it('shows nothing while no payment was requested', async () => {
    await render(null);
    expect(text()).toBe('');
    expect(payLink()).toBeNull();
  });

  it('shows the amount and a "Payer" link (same tab) on load or reload', async () => {
    await render(paymentOf({ url: 'https://tc.example/pay/tok_1' }));
    expect(text()).toContain('Montant à régler : 30,00 €');
    const link = payLink()!;
    expect(plain(link.textContent)).toBe('Payer');
    expect(link.href).toBe('https://tc.example/pay/tok_1');
    expect(link.target).toBe('');
    expect(text()).toContain('Le lien vous a aussi été envoyé par SMS et par e-mail.');
    expect(element.querySelector('section')?.getAttribute('aria-labelledby')).toBe('payment-title');
  });

  it('shows the request live, then "Paiement reçu, merci" once paid', async () => {
    await render(null);
    await emit(paymentOf({ amount: { value: 4550, currency: 'EUR' } }));
    expect(text()).toContain('Montant à régler : 45,50 €');
    expect(payLink()).not.toBeNull();
    await emit(paymentOf({ amount: { value: 4550, currency: 'EUR' }, status: 'paid', paidAt: '2026-06-15T09:00:00.000Z' }));
    expect(text()).toContain('Paiement reçu, merci.');
    expect(payLink()).toBeNull();
  });

  it('follows a new amount that replaces the unpaid one', async () => {
    await render(paymentOf());
    await emit(paymentOf({ status: 'replaced', url: null }));
    await emit(paymentOf({ id: 'pay_2', amount: { value: 2500, currency: 'EUR' }, url: 'https://tc.example/pay/tok_2', requestedAt: '2026-06-15T09:05:00.000Z' }));
    expect(text()).toContain('Montant à régler : 25,00 €');
    expect(payLink()!.href).toBe('https://tc.example/pay/tok_2');
  });

  it('labels a sandbox payment as a test', async () => {
    await render(paymentOf({ sandbox: true }));
    expect(plain(element.querySelector('[role=note]')?.textContent)).toBe('Paiement de test (sandbox) : aucun argent ne sera débité.');
  });

  it('has no test label with Stripe', async () => {
    await render(paymentOf({ sandbox: false }));
    expect(element.querySelector('[role=note]')).toBeNull();
  });

  it('explains a failed or expired payment without a link', async () => {
    await render(paymentOf({ status: 'failed', url: null }));
    expect(text()).toContain('Le paiement n\'a pas abouti.');
    expect(payLink()).toBeNull();
    await emit(paymentOf({ id: 'pay_2', status: 'expired', url: null, requestedAt: '2027-01-01T00:00:00.000Z' }));
    expect(text()).toContain('Ce lien de paiement a expiré.');
  });

  it('speaks English when the UI does', async () => {
    TestBed.inject(I18n).use('en');
    await render(paymentOf());
    expect(text()).toContain('Amount to pay: €30.00');
    expect(plain(payLink()!.textContent)).toBe('Pay');
  });

  it('reads the payment again when the call ends (the live connection closes)', async () => {
    await render(null);
    fixture.componentRef.setInput('ended', true);
    await fixture.whenStable();
    backend.expectOne(PAYMENT_URL).flush({ payment: paymentOf() });
    await fixture.whenStable();
    expect(payLink()).not.toBeNull();
  });

  it('shows nothing when the payment cannot be read', async () => {
    fixture = TestBed.createComponent(PatientPayment);
    fixture.componentRef.setInput('teleconsultationId', 'tc_1');
    element = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    backend.expectOne(PAYMENT_URL).flush({ error: { code: 'SESSION_REQUIRED', message: 'No session' } }, { status: 401, statusText: 'Unauthorized' });
    await fixture.whenStable();
    expect(text()).toBe('');
  });
});
