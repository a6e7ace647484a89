import { ChangeDetectionStrategy, Component, computed, effect, inject, signal, untracked } from '@angular/core';
import { MAX_DENIAL_MESSAGE_CHARS, type DelayMinutes } from '#protocol/live';
import { I18n, TranslatePipe, type TranslationKey } from '../i18n/i18n';
import { ConsultationClient } from '../live/consultation-client';
import { KnockAlert } from './knock-alert';

/** The short messages offered with "Refuser"; the practitioner may type another. */
export const DENIAL_PRESETS: readonly TranslationKey[] = ['knock.deny.preset.later', 'knock.deny.preset.rebook'];

/**
 * "Refuser": opens a short choice of messages for the patient (two presets or a typed one,
 * at most 300 characters) before the refusal is sent.
 */
@Component({
  selector: 'tc-deny-patient',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <button type="button" [attr.aria-expanded]="open()" aria-controls="deny-choice" (click)="open.set(!open())">{{ 'panel.deny' | t }}</button>
    @if (open()) {
      <form id="deny-choice" class="deny-choice" (submit)="$event.preventDefault(); sendDenial()">
        <fieldset>
          <legend>{{ 'knock.deny.legend' | t }}</legend>
          @for (preset of presets; track preset; let i = $index) {
            <label class="choice"><input type="radio" name="deny-message" [checked]="choice() === i" (change)="choice.set(i)" /> {{ preset | t }}</label>
          }
          <label class="choice"><input type="radio" name="deny-message" [checked]="choice() === presets.length" (change)="choice.set(presets.length)" /> {{ 'knock.deny.own' | t }}</label>
          @if (choice() === presets.length) {
            <label class="own">
              {{ 'knock.deny.ownLabel' | t }}
              <textarea rows="3" [attr.maxlength]="maxChars" [value]="typed()" (input)="typed.set($any($event.target).value)"></textarea>
              <small>{{ 'knock.deny.count' | t: { count: typed().length, max: maxChars } }}</small>
            </label>
          }
        </fieldset>
        <div class="buttons">
          <button type="submit" class="danger" [disabled]="!message()">{{ 'knock.deny.send' | t }}</button>
          <button type="button" (click)="open.set(false)">{{ 'knock.deny.cancel' | t }}</button>
        </div>
      </form>
    }
  `,
  styles: `
    :host { display: contents; }
    .deny-choice { flex-basis: 100%; display: grid; gap: var(--space-2); }
    fieldset { display: grid; gap: var(--space-2); border: 1px solid var(--color-border); border-radius: var(--radius); padding: var(--space-2); margin: 0; }
    .choice { display: flex; gap: var(--space-2); align-items: flex-start; min-height: var(--tap-size); }
    .own { display: grid; gap: var(--space-1); }
    textarea { width: 100%; box-sizing: border-box; font: inherit; }
    .buttons { display: flex; gap: var(--space-2); flex-wrap: wrap; }
    .danger { background: var(--color-danger); color: var(--color-on-accent); border-color: var(--color-danger); }
  `,
})
export class DenyPatient {
  private readonly client = inject(ConsultationClient);
  private readonly i18n = inject(I18n);
  protected readonly presets = DENIAL_PRESETS;
  protected readonly maxChars = MAX_DENIAL_MESSAGE_CHARS;
  protected readonly open = signal(false);
  /** The chosen preset's index, or `presets.length` for a typed message. */
  protected readonly choice = signal(0);
  protected readonly typed = signal('');
  /** The message as it will be sent. */
  protected readonly message = computed(() => {
    const i = this.choice();
    const key = this.presets[i];
    return (key ? this.i18n.t(key) : this.typed()).trim().slice(0, MAX_DENIAL_MESSAGE_CHARS);
  });

  /** Sends "Refuser" with the chosen message. */
  sendDenial(): void {
    const message = this.message();
    if (!message) return;
    this.client.send({ type: 'deny', message });
    this.open.set(false);
  }
}

/**
 * The rest of the panel's waiting room: the alert of a knock (sound, notification, tab
 * title) with "Activer les notifications", and "Retard 5 / 10 / 15 min" for the patient.
 */
@Component({
  selector: 'tc-waiting-room-tools',
  imports: [TranslatePipe],
  providers: [KnockAlert],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="delay" role="group" [attr.aria-label]="'knock.delay.group' | t">
      @for (minutes of delays; track minutes) {
        <button type="button" [attr.aria-pressed]="announced() === minutes" (click)="announceDelay(minutes)">{{ 'knock.delay.minutes' | t: { minutes } }}</button>
      }
      @if (announced()) {
        <button type="button" (click)="announceDelay(0)">{{ 'knock.delay.withdraw' | t }}</button>
      }
    </div>
    <div class="notifications" aria-live="polite">
      @switch (alert.access()) {
        @case ('default') {
          <button type="button" (click)="enableNotifications()">{{ 'knock.notifications.enable' | t }}</button>
          <small>{{ 'knock.notifications.why' | t }}</small>
        }
        @case ('granted') {
          <small>{{ 'knock.notifications.on' | t }}</small>
        }
        @case ('denied') {
          <small>{{ 'knock.notifications.denied' | t }}</small>
        }
        @default {
          <small>{{ 'knock.notifications.unsupported' | t }}</small>
        }
      }
    </div>
  `,
  styles: `
    :host { display: grid; gap: var(--space-2); margin-top: var(--space-3); }
    .delay, .notifications { display: flex; gap: var(--space-2); flex-wrap: wrap; align-items: center; }
    button[aria-pressed='true'] { background: var(--color-accent); color: var(--color-on-accent); border-color: var(--color-accent); }
  `,
})
export class WaitingRoomTools {
  private readonly client = inject(ConsultationClient);
  private readonly i18n = inject(I18n);
  protected readonly alert = inject(KnockAlert);
  protected readonly delays: readonly Exclude<DelayMinutes, 0>[] = [5, 10, 15];
  protected readonly announced = computed(() => this.client.waiting().delayMinutes);

  constructor() {
    effect(() => {
      const presence = this.client.presence();
      const since = presence.patient === 'waiting' ? presence.waitingSince : null;
      const name = this.client.peerName();
      untracked(() => {
        if (!since) return this.alert.handled();
        this.alert.knocked(this.client.teleconsultationId, since, {
          title: this.i18n.t('knock.notification.title', { name }),
          body: this.i18n.t('knock.notification.body'),
          tabMark: this.i18n.t('knock.tabMark'),
        });
      });
    });
  }

  /** "Retard N min" (0 withdraws it). */
  announceDelay(minutes: DelayMinutes): void {
    this.client.send({ type: 'delay', minutes });
  }

  /** "Activer les notifications". */
  enableNotifications(): Promise<void> {
    return this.alert.enableNotifications();
  }
}
