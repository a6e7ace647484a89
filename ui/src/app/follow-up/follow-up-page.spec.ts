import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import type { FollowUpEvent, FollowUpItem } from '#protocol/follow-up';
import { paymentOf } from '../billing/testing';
import { provideI18nTesting } from '../i18n/testing';
import { provideApiTesting, restoreDocumentAfterEach } from '../shared/testing';
import { EVENT_STREAM_FACTORY } from './follow-up-api';
import type { EventStream } from './follow-up-api';
import { FollowUpPage } from './follow-up-page';
import { FakeEventStream, itemOf } from './testing';

const plain = (text: string | null | undefined) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();
const ME = { practitioner: { name: 'Dr Claire Dubois', timezone: 'Europe/Paris' }, expiresAt: '2030-01-01T00:00:00.000Z' };

describe('FollowUpPage ("Suivi et paiement")', () => {
  restoreDocumentAfterEach();
  let backend: HttpTestingController;
  let streams: FakeEventStream[];
  let fixture: ComponentFixture<FollowUpPage>;
  let element: HTMLElement;

  beforeEach(() => {
    streams = [];
    TestBed.configureTestingModule({
      providers: [
        ...provideApiTesting(),
        provideI18nTesting('fr-FR'),
        { provide: EVENT_STREAM_FACTORY, useValue: (url: string): EventStream => { const s = new FakeEventStream(url); streams.push(s); return s; } },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  async function render(): Promise<void> {
    fixture = TestBed.createComponent(FollowUpPage);
    element = fixture.nativeElement as HTMLElement;
    await fixture.whenStable();
  }

  async function signedIn(items: FollowUpItem[]): Promise<void> {
    await render();
    backend.expectOne('/api/follow-up/me').flush(ME);
    backend.expectOne((r) => r.url === '/api/follow-up/consultations').flush({ from: '', to: '', items });
    await fixture.whenStable();
  }

  it('shows the sign-in form without a session, and the neutral answer once asked', async () => {
    await render();
    backend.expectOne('/api/follow-up/me').flush({ error: { code: 'FOLLOW_UP_SESSION_REQUIRED', message: 'Sign in' } }, { status: 401, statusText: 'Unauthorized' });
    await fixture.whenStable();
    const input = element.querySelector<HTMLInputElement>('#follow-up-email')!;
    expect(element.querySelector('label[for=follow-up-email]')?.textContent).toContain('Adresse e-mail');
    input.value = 'dr@cabinet.fr';
    input.dispatchEvent(new Event('input'));
    element.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    const request = backend.expectOne('/api/follow-up/sign-in');
    expect(request.request.body).toEqual({ email: 'dr@cabinet.fr', language: 'fr' });
    request.flush({ sent: true }, { status: 202, statusText: 'Accepted' });
    await fixture.whenStable();
    expect(plain(element.querySelector('[data-testid=sign-in-answer]')?.textContent)).toContain("Si cette adresse est celle d'un praticien");
    expect(streams.length).toBe(0);
  });

  it('lists the consultations with their payment and applies live payment events', async () => {
    await signedIn([itemOf({ payment: paymentOf({ id: 'pay_1', status: 'requested' }), actualDurationSeconds: 754, documents: 1, messages: 2 })]);
    const row = element.querySelector('tr[data-teleconsultation=tc_1]')!;
    expect(plain(row.textContent)).toContain('Camille M.');
    expect(plain(row.textContent)).toContain('Téléconsultation de suivi');
    expect(plain(row.textContent)).toContain('12 min 34 s');
    expect(plain(row.textContent)).toContain('30,00 €');
    expect(row.querySelector('[data-payment-status]')?.getAttribute('data-payment-status')).toBe('requested');
    expect(row.querySelector('a.join')?.getAttribute('aria-label')).toContain('Camille M.');
    expect(plain(row.querySelector('summary')?.textContent)).toBe('Documents (1) et messages (2)');

    const paid: FollowUpEvent = { type: 'payment', teleconsultationId: 'tc_1', payment: paymentOf({ id: 'pay_1', status: 'paid' }) };
    streams[0]!.emit('follow-up', JSON.stringify(paid));
    await fixture.whenStable();
    expect(row.querySelector('[data-payment-status]')?.getAttribute('data-payment-status')).toBe('paid');
    expect(row.querySelector('button')).toBeNull();
  });

  it('re-sends the payment link and says so', async () => {
    await signedIn([itemOf({ payment: paymentOf({ status: 'requested' }) })]);
    const resend = [...element.querySelectorAll('button')].find((b) => plain(b.textContent) === 'Renvoyer le lien de paiement')!;
    resend.click();
    backend.expectOne('/api/follow-up/consultations/tc_1/payment/resend').flush({ payment: paymentOf() }, { status: 202, statusText: 'Accepted' });
    await fixture.whenStable();
    expect(plain(element.querySelector('.notice')?.textContent)).toBe('Lien de paiement renvoyé : Camille M.');
  });

  it('reads the unpaid ones only when asked, and says a server error', async () => {
    await signedIn([itemOf()]);
    const unpaid = element.querySelector<HTMLInputElement>('input[type=checkbox]')!;
    unpaid.checked = true;
    unpaid.dispatchEvent(new Event('change'));
    const request = backend.expectOne((r) => r.url === '/api/follow-up/consultations');
    expect(request.request.params.get('unpaid')).toBe('true');
    request.flush('oops', { status: 500, statusText: 'Internal Server Error' });
    await fixture.whenStable();
    expect(element.querySelector('[role=alert]')?.textContent).toContain('Le service rencontre un problème');
    expect(element.querySelector('a.export')?.getAttribute('href')).toMatch(/^\/api\/follow-up\/payments\.csv\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
  });

  it("counts the period's days and shows the times in the practitioner's time zone", async () => {
    await render();
    backend.expectOne('/api/follow-up/me').flush({ ...ME, practitioner: { name: 'Dr Claire Dubois', timezone: 'Pacific/Kiritimati' } });
    const request = backend.expectOne((r) => r.url === '/api/follow-up/consultations');
    const kiritimatiDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Kiritimati' }).format(new Date(ms));
    expect(request.request.params.get('from')).toBe(kiritimatiDay(Date.now() - 30 * 86_400_000));
    expect(request.request.params.get('to')).toBe(kiritimatiDay(Date.now() + 30 * 86_400_000));
    request.flush({ from: '', to: '', items: [itemOf({ timezone: 'Pacific/Kiritimati' })] });
    await fixture.whenStable();
    // 08:30 UTC is 22:30 at UTC+14, whatever the browser's zone.
    expect(plain(element.querySelector('tr[data-teleconsultation=tc_1]')?.textContent)).toContain('22:30');
  });

  it('shows a purged consultation without patient data', async () => {
    await signedIn([itemOf({ purged: true, patientName: '', reasonLabel: '', joinUrl: null })]);
    const row = element.querySelector('tr[data-teleconsultation=tc_1]')!;
    expect(plain(row.textContent)).toContain('Données effacées');
    expect(row.querySelector('a.join')).toBeNull();
  });
});
