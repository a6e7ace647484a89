import { DOCUMENT, DestroyRef, Injectable, computed, effect, inject, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import type { ClientMessage, Presence, Role, ServerMessage, SessionSummary, TeleconsultationSummary, WaitingInfo } from '#protocol/live';
import type { ConferenceDriver, JoinOptions } from '../../../../meet/drivers/conference';
import { ApiError } from '../shared/api-error';
import { I18n } from '../i18n/i18n';
import type { TranslationKey } from '../i18n/i18n';
import { CONFERENCE_LOADER } from './conference';
import type { LoadedConference } from './conference';
import { formatAppointment } from './live-format';
import { LiveSession } from './live-session';
import { LiveSocket, liveUrl } from './live-socket';

/** Why the session summary could not be loaded: the text to show and the server's code. */
export interface LoadFailure {
  readonly key: TranslationKey;
  /** The `ApiError` code, `UNKNOWN` for anything else. */
  readonly code: string;
}

/** What a page adds to the live state the client keeps for both. */
export interface ConsultationHandlers {
  /**
   * The waiting room changed or was restated: a `state` (on every (re)connection), a
   * `presence`, or the patient's own `admitted` / `denied`. Called after `presence()` was
   * updated, never once the consultation has ended.
   */
  presence(presence: Presence): void;
  /** Every server message after the client's own handling, until the consultation ends. */
  message?(message: ServerMessage): void;
}

/** How {@link ConsultationClient.startCall} joins, besides the role and name it knows. */
export interface CallOptions {
  /** Devices chosen on the device check. */
  readonly devices?: Pick<JoinOptions, 'cameraId' | 'microphoneId'>;
  /** Subscribes to role-specific driver events (knocking, denied) before joining. */
  prepare?(driver: ConferenceDriver): void;
  /** After joining (the patient knocks on the media side). */
  afterJoin?(driver: ConferenceDriver): Promise<void>;
}

/**
 * Where the consultation stands for the page: its summary is `loading` or failed (`error`),
 * then the page is `ready` (its own screens: waiting room, device check), in a `call`, or
 * `ended`: finished (the live connection stays, for the payment's status and a patient's
 * return) or over for this page (cancelled, link invalid, replaced: the connection closes).
 */
export type ConsultationStage = 'loading' | 'error' | 'ready' | 'call' | 'ended';

const NO_ONE: Presence = { practitioner: 'online', patient: 'absent', waitingSince: null };
const NO_NEWS: WaitingInfo = { delayMinutes: null, delayedAt: null, practitionerBusy: false, deniedMessage: null };

/**
 * One consultation as a live page sees it, for both the practitioner's panel and the
 * patient's page: the session summary (loaded once, then restated by every `state`), the live
 * socket, the waiting room's presence, the call (the configured driver, loaded on demand,
 * joined, left and disposed) and the end state. Provided by each page component together
 * with its `LiveSocket` (one connection per page), released with it. The page keeps only
 * what is its own (admitting, knocking, payment) through {@link ConsultationHandlers}.
 */
@Injectable()
export class ConsultationClient {
  /** The page's live socket (also read by the invoice and the payment, which follow `payment` events). */
  readonly socket = inject(LiveSocket);
  private readonly session = inject(LiveSession);
  private readonly i18n = inject(I18n);
  private readonly document = inject(DOCUMENT);
  private readonly conferences = inject(CONFERENCE_LOADER);

  private readonly summarySignal = signal<SessionSummary | null>(null);
  private readonly presenceSignal = signal<Presence>(NO_ONE);
  private readonly waitingSignal = signal<WaitingInfo>(NO_NEWS);
  private readonly movedSignal = signal(false);
  private readonly callingSignal = signal(false);
  private readonly driverSignal = signal<ConferenceDriver | null>(null);
  private readonly mediaErrorSignal = signal(false);
  private readonly loadErrorSignal = signal<LoadFailure | null>(null);
  /** Set when the consultation is over for this page for good (the live connection closes). */
  private readonly endKeySignal = signal<TranslationKey | null>(null);
  private id = '';
  private ownRole: Role = 'patient';
  private handlers: ConsultationHandlers | null = null;
  private conference: LoadedConference | null = null;
  /** Told of every driver set or released, synchronously (see {@link watchDriver}). */
  private readonly driverWatchers = new Set<(driver: ConferenceDriver | null) => void>();
  /** Bumped by every start and stop, so that a driver still loading when the call stopped is released. */
  private attempt = 0;

  /** The session summary, kept current by the server's `state`; null until loaded. */
  readonly summary = this.summarySignal.asReadonly();
  /** Where both participants stand in the waiting room. */
  readonly presence = this.presenceSignal.asReadonly();
  /** What the waiting room is told beside the presence: delay, practitioner busy elsewhere, refusal message. */
  readonly waiting = this.waitingSignal.asReadonly();
  /** The agenda moved the appointment while this page was open (the summary has the new time). */
  readonly moved = this.movedSignal.asReadonly();
  /** True from `startCall()` until the call is left or the consultation ends. */
  readonly calling = this.callingSignal.asReadonly();
  /** The call's driver once loaded (read by the call media). */
  readonly driver = this.driverSignal.asReadonly();
  /** Joining the call failed (camera or microphone refused, driver not loaded). */
  readonly mediaError = this.mediaErrorSignal.asReadonly();
  /** Set when the session summary could not be loaded. */
  readonly loadError = this.loadErrorSignal.asReadonly();
  /**
   * The consultation ended (either red phone, the agenda, the conference server): the page
   * shows its end, while the live connection stays. A patient's return makes it live again.
   */
  readonly finished = computed(() => this.summarySignal()?.teleconsultation.status === 'ended' && this.endKeySignal() === null);
  /** Who ended it, once finished. */
  readonly endedBy = computed(() => (this.finished() ? this.summarySignal()?.teleconsultation.endedBy ?? null : null));
  /** The text of the end screen once the consultation has ended for this page, else null. */
  readonly endKey = computed<TranslationKey | null>(() => this.endKeySignal() ?? (this.finished() ? 'live.ended' : null));
  /** True once the consultation has ended for this page (finished, cancelled, hung up, link invalid…). */
  readonly ended = computed(() => this.endKey() !== null);
  /** Where the consultation stands; each page maps `ready` to its own screens. */
  readonly stage = computed<ConsultationStage>(() => {
    if (this.loadErrorSignal()) return 'error';
    if (this.ended()) return 'ended';
    if (!this.summarySignal()) return 'loading';
    return this.callingSignal() ? 'call' : 'ready';
  });
  /** The connection dropped and is being re-established. */
  readonly reconnecting = computed(() => this.socket.status() === 'reconnecting' && !this.ended());
  /** This page's teleconsultation id, once `open()` was called. */
  get teleconsultationId(): string {
    return this.id;
  }
  /** This page's role, once `open()` was called. */
  get role(): Role {
    return this.ownRole;
  }
  /** The other participant's display name. */
  readonly peerName = computed(() => {
    const t = this.summarySignal()?.teleconsultation;
    return !t ? '' : this.ownRole === 'practitioner' ? t.patientName : t.practitionerName;
  });
  /** The appointment's date and time, in the practice's time zone and the UI language. */
  readonly appointmentDate = computed(() => {
    const t = this.summarySignal()?.teleconsultation;
    return t ? formatAppointment(t.startsAt, t.timezone, this.i18n.language()) : '';
  });

  constructor() {
    const subscription = this.socket.messages$.subscribe((message) => this.handle(message));
    inject(DestroyRef).onDestroy(() => {
      subscription.unsubscribe();
      void this.stopCall();
    });
    effect(() => {
      const reason = this.socket.endReason();
      // 4410 is sent only for a cancelled teleconsultation (an expired link gets 4401).
      if (reason) this.end(reason === 'replaced' ? 'live.replaced' : reason === 'gone' ? 'live.cancelled' : 'live.linkInvalid');
    });
  }

  /** Loads the session summary of `role` in teleconsultation `id`, then connects the live socket. */
  open(id: string, role: Role, handlers: ConsultationHandlers): void {
    this.id = id;
    this.ownRole = role;
    this.handlers = handlers;
    this.session.session(id, role).subscribe({
      next: (summary) => {
        this.summarySignal.set(summary);
        this.conferences.preload(summary.media);
        this.socket.connect(liveUrl(this.document.location, id, role));
      },
      error: (error: unknown) => this.loadErrorSignal.set(loadFailureOf(error)),
    });
  }

  /** Loads the configured driver, joins the call and keeps the driver in `driver()`; once per call. */
  async startCall(options: CallOptions = {}): Promise<void> {
    const summary = this.summarySignal();
    if (this.callingSignal() || !summary || this.ended()) return;
    const attempt = ++this.attempt;
    this.callingSignal.set(true);
    this.mediaErrorSignal.set(false);
    let conference: LoadedConference;
    try {
      conference = await this.conferences.load(summary.media, {
        channel: this.socket,
        presence: () => this.presenceSignal().patient,
        peerName: this.peerName(),
        getToken: () => firstValueFrom(this.session.jitsiToken(this.id, this.ownRole)),
      });
    } catch {
      // The driver's code could not be fetched (e.g. offline): said like a media failure.
      if (attempt === this.attempt) this.mediaErrorSignal.set(true);
      return;
    }
    if (attempt !== this.attempt) {
      await conference.dispose();
      return;
    }
    this.conference = conference;
    const { driver } = conference;
    options.prepare?.(driver);
    this.driverSignal.set(driver);
    for (const watcher of [...this.driverWatchers]) watcher(driver);
    try {
      await driver.join({ role: this.ownRole, displayName: this.ownName(summary.teleconsultation), ...options.devices });
      await options.afterJoin?.(driver);
    } catch {
      this.mediaErrorSignal.set(true);
    }
  }

  /** Leaves the call and releases the driver; the live connection stays. */
  stopCall(): Promise<void> {
    this.attempt++;
    const conference = this.conference;
    this.conference = null;
    this.callingSignal.set(false);
    if (this.driverSignal()) for (const watcher of [...this.driverWatchers]) watcher(null);
    this.driverSignal.set(null);
    return conference ? conference.dispose() : Promise.resolve();
  }

  /**
   * Calls `watcher` with the call's driver as soon as it is loaded, before it joins (so that
   * no event of the call is missed), and with null when it is released; at once with the
   * current one. Returns the unsubscribe function.
   */
  watchDriver(watcher: (driver: ConferenceDriver | null) => void): () => void {
    this.driverWatchers.add(watcher);
    watcher(this.driverSignal());
    return () => this.driverWatchers.delete(watcher);
  }

  /** Sends a live message; returns whether it was sent (see `LiveSocket.send`). */
  send(message: ClientMessage): boolean {
    return this.socket.send(message);
  }

  /** Ends the consultation for this page: shows `key`, leaves the call, then closes the live connection. */
  end(key: TranslationKey): void {
    if (this.endKeySignal()) return;
    this.endKeySignal.set(key);
    const inCall = this.conference !== null;
    const stopped = this.stopCall();
    if (inCall) void stopped.finally(() => this.socket.close());
    else this.socket.close();
  }

  private handle(message: ServerMessage): void {
    if (this.endKeySignal()) return;
    switch (message.type) {
      case 'state':
        this.summarySignal.update((s) => ({ you: s?.you ?? message.you, teleconsultation: message.teleconsultation, media: message.media, access: s?.access ?? 'call' }));
        this.waitingSignal.set(message.waiting);
        if (this.endedStatus(message.teleconsultation.status)) return;
        this.presenceChanged(message.presence);
        break;
      case 'waiting':
        this.waitingSignal.set(message.waiting);
        break;
      case 'teleconsultation':
        this.movedSignal.set(this.summarySignal()?.teleconsultation.startsAt !== message.teleconsultation.startsAt);
        this.summarySignal.update((s) => (s ? { ...s, teleconsultation: message.teleconsultation } : s));
        break;
      case 'presence':
        this.presenceChanged(message.presence);
        break;
      case 'admitted':
      case 'denied':
        if (message.type === 'denied') this.waitingSignal.update((w) => ({ ...w, deniedMessage: message.message ?? null }));
        this.presenceChanged({ ...this.presenceSignal(), patient: message.type });
        break;
      case 'status':
        this.summarySignal.update((s) => (s ? { ...s, teleconsultation: { ...s.teleconsultation, status: message.status, endedBy: message.endedBy ?? s.teleconsultation.endedBy } } : s));
        if (this.endedStatus(message.status)) return;
        break;
      default:
        break;
    }
    if (!this.endKeySignal()) this.handlers?.message?.(message);
  }

  private presenceChanged(presence: Presence): void {
    this.presenceSignal.set(presence);
    this.handlers?.presence(presence);
  }

  /**
   * On a final status: cancelled closes everything; ended leaves the call and keeps the
   * connection (payment status, a patient's return). True when the page is over for good.
   */
  private endedStatus(status: TeleconsultationSummary['status']): boolean {
    if (status === 'cancelled') {
      this.end('live.cancelled');
      return true;
    }
    if (status === 'ended') void this.stopCall();
    return false;
  }

  private ownName(teleconsultation: TeleconsultationSummary): string {
    return this.ownRole === 'practitioner' ? teleconsultation.practitionerName : teleconsultation.patientName;
  }
}

/** The text for a failed session load: network, invalid or expired link, or a server fault. */
export function loadFailureOf(error: unknown): LoadFailure {
  const code = error instanceof ApiError ? error.code : 'UNKNOWN';
  if (error instanceof ApiError && error.status === 0) return { key: 'error.network', code };
  if (error instanceof ApiError && [401, 403, 404, 410].includes(error.status)) return { key: 'live.linkInvalid', code };
  return { key: 'error.server', code };
}
