import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { Subject } from 'rxjs';
import type { PaymentSummary, ServerMessage } from '#protocol/live';
import { paymentOf } from '../billing/testing';
import type { InvoiceSettings } from '../billing/billing-api';
import { I18n } from '../i18n/i18n';
import { LiveSocket } from '../live/live-socket';
import { provideI18nTesting } from '../i18n/testing';
import { provideApiTesting, restoreDocumentAfterEach } from '../shared/testing';
import { Invoice } from './invoice';

const SETTINGS_URL = '/api/live/tc_1/practitioner/invoice';
const plain = (text: string | null | undefined) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();

function settingsOf(overrides: Partial<InvoiceSettings> = {}): InvoiceSettings {
  return { presetsCents: [2500, 3000, 5000], currency: 'EUR', maxCents: 50000, sandbox: false, payment: null, ...overrides };
}

describe('Invoice ("€ Facture")', () => {
  restoreDocumentAfterEach();
  let backend: HttpTestingController;
  let live: Subject<ServerMessage>;
  let fixture: ComponentFixture<Invoice>;
  let element: HTMLElement;

  beforeEach(() => {
    live = new Subject<ServerMessage>();
    TestBed.configureTestingModule({
      providers: [
        ...provideApiTesting(),
        provideRouter([]),
        provideI18nTesting('fr-FR'),
        { provide: LiveSocket, useValue: { messages$: live.asObservable() } },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  async function render(settings: InvoiceSettings = settingsOf(), inCall = false): Promise<Invoice> {
    fixture = TestBed.createComponent(Invoice);
    fixture.componentRef.setInput('teleconsultationId', 'tc_1');
    fixture.componentRef.setInput('inCall', inCall);
    element = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
    backend.expectOne(SETTINGS_URL).flush(settings);
    await fixture.whenStable();
    return fixture.componentInstance;
  }

  const dialog = () => element.querySelector('dialog')!;
  const status = () => plain(element.querySelector('[data-testid=invoice-status]')?.textContent);
  const buttonNamed = (name: string | RegExp) => {
    const found = [...element.querySelectorAll('button')].find((b) => (typeof name === 'string' ? plain(b.textContent) === name : name.test(plain(b.textContent))));
    if (!found) throw new Error(`no button ${String(name)} in ${plain(element.textContent)}`);
    return found;
  };
  const amountField = () => element.querySelector<HTMLInputElement>('#invoice-amount')!;
  const typeAmount = (text: string) => {
    amountField().value = text;
    amountField().dispatchEvent(new Event('input'));
  };
  const alertText = () => plain(dialog().querySelector('[role=alert].error')?.textContent);

  async function openDialog(): Promise<void> {
    element.querySelector<HTMLButtonElement>('button.invoice-open')!.click();
    await fixture.whenStable();
    expect(dialog().open).toBeTrue();
  }

  it('offers the presets formatted in French, and a preset fills the amount field', async () => {
    await render();
    expect(status()).toBe('Aucun paiement demandé.');
    expect(plain(element.querySelector('button.invoice-open')?.textContent)).toBe('€ Facture');
    await openDialog();
    const presets = [...dialog().querySelectorAll('fieldset button')].map((b) => plain(b.textContent));
    expect(presets).toEqual(['25,00 €', '30,00 €', '50,00 €']);
    expect(plain(dialog().querySelector('label[for=invoice-amount]')?.textContent)).toBe('Montant (€)');

    buttonNamed('30,00 €').click();
    await fixture.whenStable();
    expect(amountField().value).toBe('30,00');
    expect(buttonNamed('30,00 €').getAttribute('aria-pressed')).toBe('true');
    expect(buttonNamed('25,00 €').getAttribute('aria-pressed')).toBe('false');
  });

  it('formats the presets in English when the UI is in English', async () => {
    TestBed.inject(I18n).use('en');
    await render();
    await openDialog();
    expect([...dialog().querySelectorAll('fieldset button')].map((b) => plain(b.textContent))).toEqual(['€25.00', '€30.00', '€50.00']);
    buttonNamed('€30.00').click();
    await fixture.whenStable();
    expect(amountField().value).toBe('30.00');
  });

  it('sends a typed amount with a decimal comma once, even when clicked twice, then shows "Demandée"', async () => {
    await render();
    await openDialog();
    typeAmount('30,50');
    const send = buttonNamed('Envoyer la demande de paiement');
    send.click();
    send.click(); // before the page re-renders the disabled button
    await fixture.whenStable();
    const request = backend.expectOne({ method: 'POST', url: SETTINGS_URL });
    expect(request.request.body).toEqual({ amount: { value: '30.50', currency: 'EUR' } });
    expect(send.disabled).toBeTrue();
    expect(plain(send.textContent)).toBe('Envoi en cours…');
    send.click();
    request.flush({ payment: paymentOf({ amount: { value: 3050, currency: 'EUR' } }) }, { status: 201, statusText: 'Created' });
    await fixture.whenStable();
    expect(status()).toBe('Paiement : Demandée — 30,50 €');
    expect(send.disabled).toBeFalse();
    expect(plain(dialog().textContent)).toContain('Demande envoyée');
    expect(plain(dialog().textContent)).toContain('Un nouveau montant remplace la demande non payée.');
  });

  it('refuses a bad typed amount at once, in French, without calling the server', async () => {
    await render();
    await openDialog();
    for (const [typed, text] of [
      ['trente', 'Montant invalide. Saisissez par exemple 30 ou 30,50.'],
      ['0', 'Le montant doit être supérieur à zéro.'],
      ['30,505', 'Le montant ne peut avoir que deux décimales.'],
      ['600', 'Le montant ne peut pas dépasser 500,00 €.'],
    ] as const) {
      typeAmount(typed);
      buttonNamed('Envoyer la demande de paiement').click();
      await fixture.whenStable();
      expect(alertText()).toBe(text);
      expect(amountField().getAttribute('aria-invalid')).toBe('true');
    }
    backend.expectNone({ method: 'POST', url: SETTINGS_URL });
  });

  it('shows the server\'s refusal by its code, in the UI language', async () => {
    await render();
    await openDialog();
    typeAmount('30');
    buttonNamed('Envoyer la demande de paiement').click();
    backend.expectOne({ method: 'POST', url: SETTINGS_URL }).flush({ error: { code: 'AMOUNT_TOO_LARGE', message: 'Too large' } }, { status: 400, statusText: 'Bad Request' });
    await fixture.whenStable();
    expect(alertText()).toBe('Le montant ne peut pas dépasser 500,00 €.');
    TestBed.inject(I18n).use('en');
    await fixture.whenStable();
    expect(alertText()).toBe('The amount cannot exceed €500.00.');
  });

  it('says so when the teleconsultation was cancelled, or the network is down', async () => {
    await render();
    await openDialog();
    typeAmount('30');
    buttonNamed('Envoyer la demande de paiement').click();
    backend.expectOne({ method: 'POST', url: SETTINGS_URL }).flush({ error: { code: 'TELECONSULTATION_CANCELLED', message: 'Gone' } }, { status: 410, statusText: 'Gone' });
    await fixture.whenStable();
    expect(alertText()).toContain('annulée');
    buttonNamed('Envoyer la demande de paiement').click();
    backend.expectOne({ method: 'POST', url: SETTINGS_URL }).error(new ProgressEvent('error'));
    await fixture.whenStable();
    expect(alertText()).toContain('Connexion impossible');
  });

  it('follows the request live: "Payée" replaces "Demandée" and no new request is offered', async () => {
    await render(settingsOf({ payment: paymentOf() }));
    expect(status()).toBe('Paiement : Demandée — 30,00 €');
    live.next({ type: 'payment', payment: paymentOf({ status: 'paid', paidAt: '2026-06-15T09:00:00.000Z' }) });
    await fixture.whenStable();
    expect(status()).toBe('Paiement : Payée — 30,00 €');
    await openDialog();
    expect(dialog().querySelector('form')).toBeNull();
    // A late event of an earlier status does not bring "Demandée" back.
    live.next({ type: 'payment', payment: paymentOf() });
    await fixture.whenStable();
    expect(status()).toBe('Paiement : Payée — 30,00 €');
  });

  it('shows each status in French', async () => {
    await render(settingsOf({ payment: paymentOf() }));
    const labels: Partial<Record<PaymentSummary['status'], string>> = { failed: 'Échec', expired: 'Expirée', refunded: 'Remboursée' };
    for (const [status_, label] of Object.entries(labels)) {
      live.next({ type: 'payment', payment: paymentOf({ id: `pay_${status_}`, status: status_ as PaymentSummary['status'], requestedAt: '2027-01-01T00:00:00.000Z' }) });
      await fixture.whenStable();
      expect(status()).toBe(`Paiement : ${label} — 30,00 €`);
    }
  });

  it('shows a clear sandbox badge in sandbox mode only', async () => {
    await render(settingsOf({ sandbox: true }));
    expect(plain(element.querySelector('[data-testid=sandbox-badge]')?.textContent)).toBe('Mode test (sandbox)');
    await openDialog();
    expect(plain(dialog().textContent)).toContain('Aucun argent n\'est débité');
  });

  it('has no sandbox badge with Stripe', async () => {
    await render(settingsOf({ sandbox: false }));
    expect(element.querySelector('[data-testid=sandbox-badge]')).toBeNull();
  });

  it('re-sends the link once per click and shows a refusal by code', async () => {
    await render(settingsOf({ payment: paymentOf() }));
    await openDialog();
    const resend = buttonNamed('Renvoyer le lien');
    resend.click();
    resend.click();
    const first = backend.expectOne({ method: 'POST', url: `${SETTINGS_URL}/resend` });
    first.flush({ payment: paymentOf() }, { status: 202, statusText: 'Accepted' });
    await fixture.whenStable();
    expect(plain(dialog().textContent)).toContain('Lien renvoyé au patient');
    buttonNamed('Renvoyer le lien').click();
    backend.expectOne({ method: 'POST', url: `${SETTINGS_URL}/resend` }).flush({ error: { code: 'RESEND_LIMIT', message: 'Limit' } }, { status: 429, statusText: 'Too Many Requests' });
    await fixture.whenStable();
    expect(alertText()).toBe('Le lien a déjà été renvoyé le nombre de fois autorisé.');
  });

  it('reminds once before hanging up when no payment was requested', async () => {
    const invoice = await render(settingsOf(), true);
    expect(plain(element.querySelector('[role=note]')?.textContent)).toBe('Pensez à demander le paiement avant de raccrocher.');
    let hungUp = 0;
    invoice.hangUpAnyway.subscribe(() => hungUp++);

    expect(invoice.remindBeforeHangUp()).toBeTrue();
    await fixture.whenStable();
    expect(dialog().open).toBeTrue();
    expect(plain(dialog().querySelector('[role=alert]')?.textContent)).toBe('Pensez à demander le paiement avant de raccrocher.');
    buttonNamed('Raccrocher sans demander le paiement').click();
    await fixture.whenStable();
    expect(hungUp).toBe(1);
    expect(dialog().open).toBeFalse();
    expect(invoice.remindBeforeHangUp()).toBeFalse();
  });

  it('does not remind when a payment is requested', async () => {
    const invoice = await render(settingsOf({ payment: paymentOf() }), true);
    expect(element.querySelector('[role=note]')).toBeNull();
    expect(invoice.remindBeforeHangUp()).toBeFalse();
    expect(dialog().open).toBeFalse();
  });

  it('reads the request again after a reconnection (events may have been missed)', async () => {
    await render();
    const state = { type: 'state', you: { role: 'practitioner' } } as unknown as ServerMessage;
    live.next(state);
    backend.expectNone(SETTINGS_URL);
    live.next(state);
    backend.expectOne(SETTINGS_URL).flush(settingsOf({ payment: paymentOf({ status: 'paid' }) }));
    await fixture.whenStable();
    expect(status()).toBe('Paiement : Payée — 30,00 €');
  });
});
