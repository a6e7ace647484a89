import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { I18n, TranslatePipe } from '../i18n/i18n';
import { ConsultationClient } from '../live/consultation-client';
import { formatTime } from '../live/live-format';

/** How often the waiting room's clock moves (the delay counts down by the minute). */
const CLOCK_MS = 15_000;

/** The calendar day of `at` in `timeZone`, as YYYY-MM-DD. */
export function dayIn(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** True when the appointment at `startsAt` is on a later day than `now`, in the practice's time zone. */
export function isLaterDay(startsAt: string, timeZone: string, now: Date): boolean {
  return dayIn(new Date(startsAt), timeZone) > dayIn(now, timeZone);
}

/**
 * Minutes left of an announced delay (rounded up), counted from when it was announced;
 * 0 once it has run out.
 */
export function delayLeft(delayMinutes: number, delayedAt: string, now: Date): number {
  const left = delayMinutes - (now.getTime() - Date.parse(delayedAt)) / 60_000;
  // Never more than announced: the page's clock ticks by the minute and may read before the announcement.
  return Math.min(delayMinutes, Math.max(0, Math.ceil(left)));
}

/** A clock signal that moves every {@link CLOCK_MS} while the component lives. */
function clock(): () => Date {
  const now = signal(new Date());
  const timer = setInterval(() => now.set(new Date()), CLOCK_MS);
  inject(DestroyRef).onDestroy(() => clearInterval(timer));
  return now.asReadonly();
}

/**
 * The patient's waiting room, live: whether the practitioner has been told, their announced
 * delay, that they are finishing another consultation, or that the appointment moved; all
 * said in a polite live region.
 */
@Component({
  selector: 'tc-patient-waiting-room',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="waiting" aria-labelledby="waiting-title">
      <h2 id="waiting-title" class="waiting-title">{{ 'patient.waiting' | t }}</h2>
      <div role="status" aria-live="polite" data-testid="waiting-news">
        @if (moved()) {
          <p class="news">{{ 'waiting.moved' | t: { date: client.appointmentDate() } }}</p>
        }
        @if (busy()) {
          <p class="news">{{ 'waiting.busy' | t }}</p>
        } @else if (delay() !== null) {
          <p class="news">{{ delay() ? ('waiting.delay' | t: { minutes: delay()! }) : ('waiting.delaySoon' | t) }}</p>
        }
        <p>{{ (client.presence().practitioner === 'online' ? 'waiting.told' : 'waiting.willBeTold') | t }}</p>
      </div>
      <p>{{ 'patient.waitingHint' | t }}</p>
    </section>
  `,
  styles: `
    .waiting { padding: var(--space-4); border: 1px solid var(--color-border); border-radius: var(--radius); background: var(--color-surface); text-align: center; }
    .waiting-title { font-size: 1.25rem; font-weight: 600; margin: 0 0 var(--space-2); }
    .news { font-weight: 600; }
  `,
})
export class PatientWaitingRoom {
  protected readonly client = inject(ConsultationClient);
  private readonly now = clock();
  protected readonly moved = this.client.moved;
  /** Minutes of announced delay left, or null when none is announced. */
  protected readonly delay = computed(() => {
    const w = this.client.waiting();
    return w.delayMinutes && w.delayedAt ? delayLeft(w.delayMinutes, w.delayedAt, this.now()) : null;
  });
  /** Past the start time while the practitioner is still in another consultation. */
  protected readonly busy = computed(() => {
    const t = this.client.summary()?.teleconsultation;
    return !!t && this.client.waiting().practitionerBusy && this.now().getTime() >= Date.parse(t.startsAt);
  });
}

/** The practitioner's message with "Refuser", under the refusal (nothing when there is none). */
@Component({
  selector: 'tc-patient-denial',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (message()) {
      <p class="denial" role="status" data-testid="denial-message">{{ 'waiting.deniedMessage' | t: { message: message()! } }}</p>
    }
  `,
  styles: `.denial { font-weight: 600; }`,
})
export class PatientDenial {
  private readonly client = inject(ConsultationClient);
  protected readonly message = computed(() => this.client.waiting().deniedMessage);
}

/** Before the day: when to come back, instead of the device check. */
@Component({
  selector: 'tc-come-back-later',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="come-back" role="status" aria-live="polite" data-testid="come-back">
      <h2>{{ 'waiting.comeBack.title' | t: { date: client.appointmentDate() } }}</h2>
      <p>{{ 'waiting.comeBack.hint' | t: { time: time() } }}</p>
    </section>
  `,
  styles: `.come-back { padding: var(--space-4); border: 1px solid var(--color-border); border-radius: var(--radius); background: var(--color-surface); }`,
})
export class ComeBackLater {
  protected readonly client = inject(ConsultationClient);
  private readonly i18n = inject(I18n);
  protected readonly time = computed(() => {
    const t = this.client.summary()?.teleconsultation;
    return t ? formatTime(t.startsAt, t.timezone, this.i18n.language()) : '';
  });
}

/** Whether the patient's appointment is on a later day than today (then the page says when to come back). */
export function appointmentOnLaterDay(client: ConsultationClient, now: () => Date = () => new Date()): () => boolean {
  return computed(() => {
    const t = client.summary()?.teleconsultation;
    return !!t && isLaterDay(t.startsAt, t.timezone, now());
  });
}
