import { ChangeDetectionStrategy, Component, DOCUMENT, DestroyRef, ElementRef, Injectable, InjectionToken, effect, inject, signal, viewChild } from '@angular/core';
import { I18n, LANGUAGES, TranslatePipe, isLanguage } from '../i18n/i18n';
import type { Language } from '../i18n/i18n';
import { CallMedia } from '../live/call-media';
import { ConsultationClient } from '../live/consultation-client';
import { Icon } from '../shared/icon';

/** The practitioner's display: the system's choice, or forced. */
export type Theme = 'system' | 'light' | 'dark';
const THEMES: readonly Theme[] = ['system', 'light', 'dark'];

/** What "Réglages" remembers on the practitioner's device. */
export interface StoredSettings {
  theme: Theme;
  cameraId: string | null;
  microphoneId: string | null;
  speakerId: string | null;
}

const DEFAULTS: StoredSettings = { theme: 'system', cameraId: null, microphoneId: null, speakerId: null };
export const SETTINGS_STORAGE_KEY = 'tc.practitioner-settings';

/** Where the settings are kept (the browser's local storage; specs give their own). */
export const SETTINGS_STORAGE = new InjectionToken<Pick<Storage, 'getItem' | 'setItem'> | null>('SETTINGS_STORAGE', {
  providedIn: 'root',
  factory: () => {
    try {
      return globalThis.localStorage ?? null;
    } catch {
      // Storage refused (private mode, policy): the settings last for the page.
      return null;
    }
  },
});

/** A device in a list of the settings. */
export interface DeviceChoice {
  id: string;
  label: string;
}

/**
 * "Réglages", remembered on the practitioner's device: light or dark display, and the
 * camera, microphone and speaker of the call (applied to the call at once; the speaker also
 * to later calls). The language is the page's own (its switcher remembers it too).
 */
@Injectable()
export class PractitionerSettings {
  private readonly storage = inject(SETTINGS_STORAGE);
  private readonly document = inject(DOCUMENT);
  private readonly client = inject(ConsultationClient);
  private readonly media = inject(CallMedia);
  private readonly settingsSignal = signal<StoredSettings>(this.read());
  private readonly camerasSignal = signal<DeviceChoice[]>([]);
  private readonly microphonesSignal = signal<DeviceChoice[]>([]);
  private readonly speakersSignal = signal<DeviceChoice[]>([]);

  readonly settings = this.settingsSignal.asReadonly();
  readonly cameras = this.camerasSignal.asReadonly();
  readonly microphones = this.microphonesSignal.asReadonly();
  readonly speakers = this.speakersSignal.asReadonly();
  /** The browser can choose where the sound goes (`HTMLMediaElement.setSinkId`). */
  readonly speakerChoice = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

  constructor() {
    effect(() => {
      const theme = this.settingsSignal().theme;
      const root = this.document.documentElement;
      if (theme === 'system') delete root.dataset['theme'];
      else root.dataset['theme'] = theme;
    });
    // The lists follow what is plugged in (labels come once the camera was granted).
    effect(() => {
      if (this.media.localStream()) void this.refreshDevices();
    });
    effect(() => this.media.setSpeaker(this.settingsSignal().speakerId));
    const devices = this.document.defaultView?.navigator.mediaDevices;
    const changed = () => void this.refreshDevices();
    devices?.addEventListener('devicechange', changed);
    inject(DestroyRef).onDestroy(() => devices?.removeEventListener('devicechange', changed));
  }

  /** Changes and remembers some settings; the devices apply to the call at once. */
  update(change: Partial<StoredSettings>): void {
    this.settingsSignal.update((s) => ({ ...s, ...change }));
    try {
      this.storage?.setItem(SETTINGS_STORAGE_KEY, JSON.stringify(this.settingsSignal()));
    } catch {
      // Storage full or refused: the settings last for the page.
    }
    if ('cameraId' in change || 'microphoneId' in change) void this.applyDevices();
  }

  /** Reads the lists of devices again (labels once the camera was granted). */
  async refreshDevices(): Promise<void> {
    const driver = this.client.driver();
    if (!driver) return;
    const devices = await driver.listDevices();
    const pick = (kind: string) => devices.filter((d) => d.kind === kind).map((d, i) => ({ id: d.id, label: d.label || `${kind} ${i + 1}` }));
    this.camerasSignal.set(pick('camera'));
    this.microphonesSignal.set(pick('microphone'));
    this.speakersSignal.set(pick('speaker'));
  }

  private async applyDevices(): Promise<void> {
    const driver = this.client.driver();
    const stream = this.media.localStream();
    if (!driver || !stream) return;
    const { cameraId, microphoneId } = this.settingsSignal();
    const current = (track: MediaStreamTrack | undefined) => track?.getSettings().deviceId;
    // A remembered device that is not plugged in any more is left aside: the browser's default goes on.
    if (cameraId && cameraId !== current(stream.getVideoTracks()[0]) && this.camerasSignal().some((c) => c.id === cameraId)) await driver.switchCamera(cameraId).catch(() => undefined);
    if (microphoneId && microphoneId !== current(stream.getAudioTracks()[0]) && this.microphonesSignal().some((m) => m.id === microphoneId)) {
      await driver.switchMicrophone(microphoneId).catch(() => undefined);
    }
  }

  private read(): StoredSettings {
    try {
      const stored: unknown = JSON.parse(this.storage?.getItem(SETTINGS_STORAGE_KEY) ?? 'null');
      if (typeof stored !== 'object' || stored === null) return DEFAULTS;
      const s = stored as Partial<Record<keyof StoredSettings, unknown>>;
      const text = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length < 512 ? v : null);
      return {
        theme: THEMES.includes(s.theme as Theme) ? (s.theme as Theme) : 'system',
        cameraId: text(s.cameraId), microphoneId: text(s.microphoneId), speakerId: text(s.speakerId),
      };
    } catch {
      return DEFAULTS;
    }
  }
}

/** "Réglages": the button of the tool bar and its dialog. */
@Component({
  selector: 'tc-settings',
  imports: [TranslatePipe, Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { style: 'display: contents' },
  template: `
    <button type="button" class="tool" aria-haspopup="dialog" (click)="openDialog()">
      <tc-icon name="settings" /><span>{{ 'settings.open' | t }}</span>
    </button>
    <dialog #dialog aria-labelledby="settings-title" class="settings">
      <h2 id="settings-title">{{ 'settings.open' | t }}</h2>
      <label for="settings-theme">{{ 'settings.theme' | t }}</label>
      <select id="settings-theme" [value]="settings.settings().theme" (change)="settings.update({ theme: value($event) === 'light' ? 'light' : value($event) === 'dark' ? 'dark' : 'system' })">
        <option value="system">{{ 'settings.theme.system' | t }}</option>
        <option value="light">{{ 'settings.theme.light' | t }}</option>
        <option value="dark">{{ 'settings.theme.dark' | t }}</option>
      </select>
      <label for="settings-language">{{ 'language.label' | t }}</label>
      <select id="settings-language" [value]="i18n.language()" (change)="useLanguage(value($event))">
        @for (language of languages; track language) {
          <option [value]="language">{{ (language === 'fr' ? 'language.fr' : 'language.en') | t }}</option>
        }
      </select>
      <label for="settings-camera">{{ 'settings.camera' | t }}</label>
      <select id="settings-camera" (change)="settings.update({ cameraId: value($event) || null })">
        <option value="">{{ 'settings.default' | t }}</option>
        @for (camera of settings.cameras(); track camera.id) {
          <option [value]="camera.id" [selected]="camera.id === settings.settings().cameraId">{{ camera.label }}</option>
        }
      </select>
      <label for="settings-microphone">{{ 'settings.microphone' | t }}</label>
      <select id="settings-microphone" (change)="settings.update({ microphoneId: value($event) || null })">
        <option value="">{{ 'settings.default' | t }}</option>
        @for (microphone of settings.microphones(); track microphone.id) {
          <option [value]="microphone.id" [selected]="microphone.id === settings.settings().microphoneId">{{ microphone.label }}</option>
        }
      </select>
      <label for="settings-speaker">{{ 'settings.speaker' | t }}</label>
      <select id="settings-speaker" [disabled]="!settings.speakerChoice" [attr.aria-describedby]="settings.speakerChoice ? null : 'settings-speaker-hint'"
        (change)="settings.update({ speakerId: value($event) || null })">
        <option value="">{{ 'settings.default' | t }}</option>
        @for (speaker of settings.speakers(); track speaker.id) {
          <option [value]="speaker.id" [selected]="speaker.id === settings.settings().speakerId">{{ speaker.label }}</option>
        }
      </select>
      @if (!settings.speakerChoice) {
        <p id="settings-speaker-hint" class="hint">{{ 'settings.speakerUnsupported' | t }}</p>
      }
      <p class="hint">{{ 'settings.remembered' | t }}</p>
      <button type="button" (click)="closeDialog()">{{ 'settings.close' | t }}</button>
    </dialog>
  `,
  styles: `
    .settings { max-width: 28rem; width: 100%; }
    .settings label { display: block; margin-top: var(--space-2); font-weight: 600; }
    .settings select { display: block; width: 100%; min-height: var(--tap-size); }
    .hint { color: var(--color-text-muted); font-size: 0.875rem; }
  `,
})
export class SettingsDialog {
  protected readonly settings = inject(PractitionerSettings);
  protected readonly i18n = inject(I18n);
  protected readonly languages = LANGUAGES;
  private readonly dialog = viewChild.required<ElementRef<HTMLDialogElement>>('dialog');

  /** Opens "Réglages" with the device lists as they are now. */
  openDialog(): void {
    void this.settings.refreshDevices();
    this.dialog().nativeElement.showModal();
  }

  /** Closes "Réglages". */
  closeDialog(): void {
    this.dialog().nativeElement.close();
  }

  protected value(event: Event): string {
    return (event.target as HTMLSelectElement).value;
  }

  protected useLanguage(value: string): void {
    if (isLanguage(value)) this.i18n.use(value as Language);
  }
}
