import { DOCUMENT, DestroyRef, Injectable, InjectionToken, inject, signal } from '@angular/core';

/** Where the browser stands on system notifications for this page. */
export type NotificationAccess = 'default' | 'granted' | 'denied' | 'unsupported';

/** The part of a shown notification the alert uses. */
export interface ShownNotification {
  close(): void;
}

/** The browser's features the knock alert uses, replaceable in specs. */
export interface KnockEnvironment {
  /** The Notification API, or null where the browser has none. */
  readonly notifications: {
    permission(): NotificationPermission;
    request(): Promise<NotificationPermission>;
    /** Shows a notification; `clicked` runs when the practitioner clicks it. */
    show(title: string, options: NotificationOptions, clicked: () => void): ShownNotification;
  } | null;
  /** A Web Audio context, made on first use; null without Web Audio. */
  audio(): AudioContext | null;
  /** Per-tab storage of the knocks already rung (survives reloads), or null. */
  readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** Brings this window to the front. */
  focus(): void;
}

/** The browser's own {@link KnockEnvironment}. */
export const KNOCK_ENVIRONMENT = new InjectionToken<KnockEnvironment>('KNOCK_ENVIRONMENT', {
  providedIn: 'root',
  factory: () => {
    const view = inject(DOCUMENT).defaultView;
    const api = view && 'Notification' in view ? view.Notification : null;
    let context: AudioContext | null = null;
    let storage: Storage | null = null;
    try {
      storage = view?.sessionStorage ?? null;
    } catch {
      // Site data blocked (the panel in a third-party iframe): each reload may ring again.
    }
    return {
      notifications: api ? {
        permission: () => api.permission,
        request: () => api.requestPermission(),
        show: (title: string, options: NotificationOptions, clicked: () => void) => {
          const shown = new api(title, options);
          shown.onclick = clicked;
          return shown;
        },
      } : null,
      audio: () => {
        if (!context && view && 'AudioContext' in view) context = new view.AudioContext();
        return context;
      },
      storage,
      focus: () => view?.focus(),
    };
  },
});

const STORAGE_PREFIX = 'tc.knock.';

/** What a knock is announced with (already translated). */
export interface KnockTexts {
  /** The notification's title, e.g. "Camille M. est en salle d'attente". */
  readonly title: string;
  /** The notification's text. */
  readonly body: string;
  /** The tab title's mark, e.g. "(1) Patient en attente". */
  readonly tabMark: string;
}

/**
 * The practitioner's alert when the patient knocks: a short chime (Web Audio), a system
 * notification (which brings the panel to the front when clicked), and a marked tab title
 * until the knock is handled or the tab is seen. Each knock rings once, even across
 * reloads (kept per tab by the time of the knock).
 */
@Injectable()
export class KnockAlert {
  private readonly env = inject(KNOCK_ENVIRONMENT);
  private readonly document = inject(DOCUMENT);
  private readonly accessSignal = signal<NotificationAccess>(this.env.notifications?.permission() ?? 'unsupported');
  private notification: ShownNotification | null = null;
  private plainTitle: string | null = null;

  /** Whether system notifications can be shown, or why not. */
  readonly access = this.accessSignal.asReadonly();

  constructor() {
    const view = this.document.defaultView;
    // Browsers start audio only after a gesture on the page: the first click or key unlocks it, so that a later knock rings in the background.
    const unlock = () => void this.env.audio()?.resume().catch(() => undefined);
    const seen = () => {
      if (this.document.visibilityState === 'visible' && this.document.hasFocus()) this.unmarkTitle();
    };
    this.document.addEventListener('pointerdown', unlock, { capture: true });
    this.document.addEventListener('keydown', unlock, { capture: true });
    this.document.addEventListener('visibilitychange', seen);
    view?.addEventListener('focus', seen);
    inject(DestroyRef).onDestroy(() => {
      this.document.removeEventListener('pointerdown', unlock, { capture: true });
      this.document.removeEventListener('keydown', unlock, { capture: true });
      this.document.removeEventListener('visibilitychange', seen);
      view?.removeEventListener('focus', seen);
      this.handled();
    });
  }

  /** "Activer les notifications": asks the browser (from a click, as browsers require). */
  async enableNotifications(): Promise<void> {
    const api = this.env.notifications;
    if (!api) return;
    try {
      this.accessSignal.set(await api.request());
    } catch {
      this.accessSignal.set(api.permission());
    }
  }

  /**
   * The patient of `teleconsultationId` knocked at `since` (ISO): rings, notifies and marks
   * the title, unless this knock was already announced in this tab.
   */
  knocked(teleconsultationId: string, since: string, texts: KnockTexts): void {
    const key = STORAGE_PREFIX + teleconsultationId;
    const known = this.readStorage(key) === since;
    if (!this.isSeen()) this.markTitle(texts.tabMark);
    if (known) return;
    this.writeStorage(key, since);
    this.chime();
    this.notify(teleconsultationId, texts);
  }

  /** The knock was handled (admitted, refused, gone): the notification and the title mark go. */
  handled(): void {
    this.notification?.close();
    this.notification = null;
    this.unmarkTitle();
  }

  private isSeen(): boolean {
    return this.document.visibilityState === 'visible' && this.document.hasFocus();
  }

  private notify(teleconsultationId: string, texts: KnockTexts): void {
    const api = this.env.notifications;
    if (!api || this.accessSignal() !== 'granted') return;
    try {
      this.notification?.close();
      this.notification = api.show(texts.title, { body: texts.body, tag: `knock-${teleconsultationId}`, requireInteraction: true }, () => {
        this.env.focus();
        this.notification?.close();
        this.notification = null;
      });
    } catch {
      // Some mobile browsers allow notifications only from a service worker: the sound and the title remain.
    }
  }

  /** Two short rising tones. */
  private chime(): void {
    const context = this.env.audio();
    if (!context) return;
    void context.resume().catch(() => undefined);
    const start = context.currentTime;
    for (const [offset, frequency] of [[0, 660], [0.18, 880]] as const) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.3, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.16);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.17);
    }
  }

  private markTitle(mark: string): void {
    if (this.plainTitle === null) this.plainTitle = this.document.title;
    this.document.title = `${mark} – ${this.plainTitle}`;
  }

  private unmarkTitle(): void {
    if (this.plainTitle === null) return;
    this.document.title = this.plainTitle;
    this.plainTitle = null;
  }

  private readStorage(key: string): string | null {
    try {
      return this.env.storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  }

  private writeStorage(key: string, value: string): void {
    try {
      this.env.storage?.setItem(key, value);
    } catch {
      // Storage full or blocked: the knock may ring again after a reload.
    }
  }
}
