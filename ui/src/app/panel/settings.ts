import { ChangeDetectionStrategy, Component, DOCUMENT, DestroyRef, ElementRef, Injectable, InjectionToken, effect, inject, signal, viewChild } from '@angular/core';
import { I18n, LANGUAGES, TranslatePipe, isLanguage } from '../i18n/i18n';
import type { Language, TranslationKey } from '../i18n/i18n';
import { CallMedia } from '../live/call-media';
import { ConsultationClient } from '../live/consultation-client';
import { Icon } from '../shared/icon';
import type { CameraEffect, ConferenceDriver, JoinOptions } from '../../../../meet/drivers/conference';
import { BACKGROUND_IMAGES, backgroundSupported, createBackgroundEffect, isBackground } from './background';
import type { Background } from './background';

/** The practitioner's display: the system's choice, or forced. */
export type Theme = 'system' | 'light' | 'dark';
const THEMES: readonly Theme[] = ['system', 'light', 'dark'];

/** "Avancé": the caps offered on the video sent (kbit/s), its height, and the photo's height (pixels). */
export const VIDEO_KBPS_CHOICES = [2500, 1200, 600, 300, 150] as const;
export const VIDEO_HEIGHT_CHOICES = [1080, 720, 480, 360] as const;
export const PHOTO_HEIGHT_CHOICES = [2160, 1080, 720, 480] as const;

/** What "Réglages" remembers on the practitioner's device; null: the default (the browser's device, no cap, the camera's full photo). */
export interface StoredSettings {
  theme: Theme;
  background: Background;
  cameraId: string | null;
  microphoneId: string | null;
  speakerId: string | null;
  maxVideoKbps: number | null;
  maxVideoHeight: number | null;
  photoHeight: number | null;
}

const DEFAULTS: StoredSettings = {
  theme: 'system', background: 'none', cameraId: null, microphoneId: null, speakerId: null, maxVideoKbps: null, maxVideoHeight: null, photoHeight: null,
};
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

/** How the camera's background is made (specs give their own: MediaPipe needs WebGL 2). */
export const BACKGROUND_EFFECTS = new InjectionToken<{ supported(): boolean; create(background: Exclude<Background, 'none'>): Promise<CameraEffect> }>('BACKGROUND_EFFECTS', {
  providedIn: 'root',
  factory: () => {
    const document = inject(DOCUMENT);
    let supported: boolean | null = null;
    return {
      supported: () => (supported ??= backgroundSupported(document)),
      create: (background) => createBackgroundEffect(document, background),
    };
  },
});

/** A device in a list of the settings. */
export interface DeviceChoice {
  id: string;
  label: string;
}

/** Where the background stands: as chosen, being prepared, or failed (the camera then goes as it is). */
export type BackgroundState = 'ready' | 'loading' | 'failed';

/**
 * "Réglages", remembered on the practitioner's device: light or dark display; the background
 * the patient sees behind the practitioner (blurred, or one of the offered pictures); the
 * camera, microphone and speaker of the call (applied at once, and when the next call starts
 * where they are plugged in); "Avancé": caps on the video sent (bit rate, height) and the
 * height of the photos taken with the patient's camera. The language is the page's own (its
 * switcher remembers it too).
 */
@Injectable()
export class PractitionerSettings {
  private readonly storage = inject(SETTINGS_STORAGE);
  private readonly effects = inject(BACKGROUND_EFFECTS);
  private readonly document = inject(DOCUMENT);
  private readonly client = inject(ConsultationClient);
  private readonly media = inject(CallMedia);
  private readonly settingsSignal = signal<StoredSettings>(this.read());
  private readonly camerasSignal = signal<DeviceChoice[]>([]);
  private readonly microphonesSignal = signal<DeviceChoice[]>([]);
  private readonly speakersSignal = signal<DeviceChoice[]>([]);
  private readonly backgroundStateSignal = signal<BackgroundState>('ready');
  /** Counts background changes: a picture still loading when another is chosen is dropped. */
  private backgroundTurn = 0;

  readonly settings = this.settingsSignal.asReadonly();
  readonly cameras = this.camerasSignal.asReadonly();
  readonly microphones = this.microphonesSignal.asReadonly();
  readonly speakers = this.speakersSignal.asReadonly();
  readonly backgroundState = this.backgroundStateSignal.asReadonly();
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
    // Each call's driver gets the background and the caps before it joins.
    const unwatch = this.client.watchDriver((driver) => {
      if (!driver) return;
      void this.applyQuality(driver);
      if (this.settingsSignal().background !== 'none') void this.applyBackground(driver);
    });
    inject(DestroyRef).onDestroy(() => {
      devices?.removeEventListener('devicechange', changed);
      unwatch();
    });
  }

  /** Whether this browser can change the background (WebGL 2, WebAssembly). */
  backgroundSupported(): boolean {
    return this.effects.supported();
  }

  /** Changes and remembers some settings; the devices, background and caps apply to the call at once. */
  update(change: Partial<StoredSettings>): void {
    this.settingsSignal.update((s) => ({ ...s, ...change }));
    try {
      this.storage?.setItem(SETTINGS_STORAGE_KEY, JSON.stringify(this.settingsSignal()));
    } catch {
      // Storage full or refused: the settings last for the page.
    }
    const driver = this.client.driver();
    if ('cameraId' in change || 'microphoneId' in change) void this.applyDevices();
    if (driver && 'background' in change) void this.applyBackground(driver);
    if (driver && ('maxVideoKbps' in change || 'maxVideoHeight' in change)) void this.applyQuality(driver);
  }

  /** The remembered camera and microphone that are plugged in now, to join the call with them (the browser's default otherwise). */
  async joinDevices(): Promise<Pick<JoinOptions, 'cameraId' | 'microphoneId'>> {
    const { cameraId, microphoneId } = this.settingsSignal();
    const devices = this.document.defaultView?.navigator.mediaDevices;
    if ((!cameraId && !microphoneId) || !devices) return {};
    const present = await devices.enumerateDevices().catch(() => [] as MediaDeviceInfo[]);
    const plugged = (id: string | null, kind: MediaDeviceKind) => id !== null && present.some((d) => d.kind === kind && d.deviceId === id);
    return {
      ...(plugged(cameraId, 'videoinput') ? { cameraId: cameraId! } : {}),
      ...(plugged(microphoneId, 'audioinput') ? { microphoneId: microphoneId! } : {}),
    };
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

  /** Sends the camera through the chosen background (loaded on first use), or as it is. */
  private async applyBackground(driver: ConferenceDriver): Promise<void> {
    const turn = ++this.backgroundTurn;
    const background = this.settingsSignal().background;
    if (background === 'none' || !this.effects.supported()) {
      this.backgroundStateSignal.set('ready');
      await driver.setCameraEffect(null).catch(() => undefined);
      return;
    }
    this.backgroundStateSignal.set('loading');
    try {
      const effect = await this.effects.create(background);
      if (turn !== this.backgroundTurn || this.client.driver() !== driver) return effect.stop();
      await driver.setCameraEffect(effect);
      this.backgroundStateSignal.set('ready');
    } catch {
      if (turn !== this.backgroundTurn) return;
      // Said in the dialog; the camera goes as it is.
      this.backgroundStateSignal.set('failed');
      await driver.setCameraEffect(null).catch(() => undefined);
    }
  }

  private async applyQuality(driver: ConferenceDriver): Promise<void> {
    const { maxVideoKbps, maxVideoHeight } = this.settingsSignal();
    await driver.setSendQuality({ maxVideoKbps, maxVideoHeight }).catch(() => undefined);
  }

  private read(): StoredSettings {
    try {
      const stored: unknown = JSON.parse(this.storage?.getItem(SETTINGS_STORAGE_KEY) ?? 'null');
      if (typeof stored !== 'object' || stored === null) return DEFAULTS;
      const s = stored as Partial<Record<keyof StoredSettings, unknown>>;
      const text = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length < 512 ? v : null);
      const oneOf = (v: unknown, choices: readonly number[]) => (typeof v === 'number' && choices.includes(v) ? v : null);
      return {
        theme: THEMES.includes(s.theme as Theme) ? (s.theme as Theme) : 'system',
        background: isBackground(s.background) ? s.background : 'none',
        cameraId: text(s.cameraId), microphoneId: text(s.microphoneId), speakerId: text(s.speakerId),
        maxVideoKbps: oneOf(s.maxVideoKbps, VIDEO_KBPS_CHOICES),
        maxVideoHeight: oneOf(s.maxVideoHeight, VIDEO_HEIGHT_CHOICES),
        photoHeight: oneOf(s.photoHeight, PHOTO_HEIGHT_CHOICES),
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

      <fieldset class="backgrounds" [disabled]="!backgroundSupported" aria-describedby="settings-background-hint">
        <legend>{{ 'settings.background' | t }}</legend>
        <p id="settings-background-hint" class="hint">{{ (backgroundSupported ? 'settings.backgroundHint' : 'settings.backgroundUnsupported') | t }}</p>
        <div class="choices">
          @for (background of backgrounds; track background) {
            <label class="choice">
              <input type="radio" name="settings-background" [value]="background" [checked]="background === settings.settings().background"
                (change)="settings.update({ background })" />
              <span class="thumb" [attr.data-background]="background" [style.background-image]="thumbnail(background)" aria-hidden="true"></span>
              <span>{{ backgroundLabel(background) | t }}</span>
            </label>
          }
        </div>
        @switch (settings.backgroundState()) {
          @case ('loading') { <p class="hint" role="status">{{ 'settings.backgroundLoading' | t }}</p> }
          @case ('failed') { <p class="error" role="alert">{{ 'settings.backgroundFailed' | t }}</p> }
        }
      </fieldset>

      @for (list of deviceLists; track list.key) {
        <label [for]="list.id">{{ list.label | t }}</label>
        <select [id]="list.id" [disabled]="list.key === 'speakerId' && !settings.speakerChoice"
          [attr.aria-describedby]="list.key === 'speakerId' && !settings.speakerChoice ? 'settings-speaker-hint' : null"
          (change)="chooseDevice(list.key, value($event))">
          <option value="">{{ 'settings.default' | t }}</option>
          @for (device of list.choices(); track device.id) {
            <option [value]="device.id" [selected]="device.id === settings.settings()[list.key]">{{ device.label }}</option>
          }
        </select>
      }
      @if (!settings.speakerChoice) {
        <p id="settings-speaker-hint" class="hint">{{ 'settings.speakerUnsupported' | t }}</p>
      }
      <label for="settings-language">{{ 'language.label' | t }}</label>
      <select id="settings-language" [value]="i18n.language()" (change)="useLanguage(value($event))">
        @for (language of languages; track language) {
          <option [value]="language">{{ (language === 'fr' ? 'language.fr' : 'language.en') | t }}</option>
        }
      </select>

      <fieldset class="advanced">
        <legend>{{ 'settings.advanced' | t }}</legend>
        @for (cap of caps; track cap.key) {
          <label [for]="cap.id">{{ cap.label | t }}</label>
          <select [id]="cap.id" [attr.aria-describedby]="cap.key === 'photoHeight' ? 'settings-photo-hint' : null" (change)="chooseCap(cap.key, value($event))">
            <option value="">{{ cap.none | t }}</option>
            @for (choice of cap.choices; track choice) {
              <option [value]="choice" [selected]="choice === settings.settings()[cap.key]">{{ cap.unit | t: { value: cap.key === 'maxVideoKbps' ? number(choice) : choice } }}</option>
            }
          </select>
        }
        <p id="settings-photo-hint" class="hint">{{ 'settings.photoHint' | t }}</p>
      </fieldset>
      <p class="hint">{{ 'settings.remembered' | t }}</p>
      <button type="button" (click)="closeDialog()">{{ 'settings.close' | t }}</button>
    </dialog>
  `,
  styles: `
    .settings { max-width: 30rem; width: 100%; max-height: 92dvh; overflow: auto; }
    .settings label, legend { display: block; margin-top: var(--space-2); font-weight: 600; }
    .settings select { display: block; width: 100%; min-height: var(--tap-size); }
    fieldset { border: 1px solid var(--color-border); border-radius: var(--radius); margin: var(--space-3) 0 0; padding: var(--space-2) var(--space-3) var(--space-3); }
    fieldset[disabled] { opacity: 0.6; }
    .choices { display: flex; flex-wrap: wrap; gap: var(--space-2); }
    .settings .choice { display: grid; justify-items: center; gap: var(--space-1); margin: 0; font-weight: normal; cursor: pointer; position: relative; }
    /* The radio covers its choice, unseen: a click anywhere on the picture or its name is on it. */
    .choice input { position: absolute; inset: 0; width: 100%; height: 100%; margin: 0; opacity: 0; cursor: pointer; z-index: 1; }
    .thumb { display: block; width: 4.5rem; height: 2.75rem; border-radius: var(--radius); border: 2px solid var(--color-border); background: var(--color-surface) center / cover no-repeat; }
    .thumb[data-background=blur] { background-image: radial-gradient(circle at 50% 45%, #8a8a8a 0 22%, transparent 40%), linear-gradient(120deg, #c9d8e3, #efe7dc); filter: blur(1.5px); }
    .thumb[data-background=none] { background-image: linear-gradient(to top right, transparent calc(50% - 1px), var(--color-text-muted) 50%, transparent calc(50% + 1px)); }
    .choice input:checked + .thumb { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent); }
    .choice input:focus-visible + .thumb { outline: 3px solid var(--color-focus, var(--color-accent)); outline-offset: 2px; }
    .hint { color: var(--color-text-muted); font-size: 0.875rem; }
    .error { color: var(--color-danger); }
  `,
})
export class SettingsDialog {
  protected readonly settings = inject(PractitionerSettings);
  protected readonly i18n = inject(I18n);
  protected readonly languages = LANGUAGES;
  protected readonly backgrounds: readonly Background[] = ['none', 'blur', ...BACKGROUND_IMAGES.map((image) => `image:${image}` as const)];
  protected readonly backgroundSupported = this.settings.backgroundSupported();
  /** "Choix de la caméra", "Choix du micro", "Choix Audio" (the speaker). */
  protected readonly deviceLists = [
    { key: 'cameraId', id: 'settings-camera', label: 'settings.camera', choices: this.settings.cameras },
    { key: 'microphoneId', id: 'settings-microphone', label: 'settings.microphone', choices: this.settings.microphones },
    { key: 'speakerId', id: 'settings-speaker', label: 'settings.speaker', choices: this.settings.speakers },
  ] as const satisfies readonly { key: keyof StoredSettings; label: TranslationKey; id: string; choices: () => DeviceChoice[] }[];
  /** "Avancé": bandwidth, video resolution, photo resolution. */
  protected readonly caps = [
    { key: 'maxVideoKbps', id: 'settings-bandwidth', label: 'settings.bandwidth', none: 'settings.auto', unit: 'settings.kbps', choices: VIDEO_KBPS_CHOICES },
    { key: 'maxVideoHeight', id: 'settings-video-resolution', label: 'settings.videoResolution', none: 'settings.auto', unit: 'settings.pixels', choices: VIDEO_HEIGHT_CHOICES },
    { key: 'photoHeight', id: 'settings-photo-resolution', label: 'settings.photoResolution', none: 'settings.photoMax', unit: 'settings.pixels', choices: PHOTO_HEIGHT_CHOICES },
  ] as const satisfies readonly { key: keyof StoredSettings; label: TranslationKey; none: TranslationKey; unit: TranslationKey; id: string; choices: readonly number[] }[];
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

  protected number(value: number): string {
    return new Intl.NumberFormat(this.i18n.language()).format(value);
  }

  protected backgroundLabel(background: Background): TranslationKey {
    return `settings.background.${background}` as TranslationKey;
  }

  protected thumbnail(background: Background): string | null {
    return background.startsWith('image:') ? `url(backgrounds/${background.slice('image:'.length)}.svg)` : null;
  }

  protected chooseDevice(key: 'cameraId' | 'microphoneId' | 'speakerId', value: string): void {
    this.settings.update({ [key]: value || null });
  }

  protected chooseCap(key: 'maxVideoKbps' | 'maxVideoHeight' | 'photoHeight', value: string): void {
    this.settings.update({ [key]: value === '' ? null : Number(value) });
  }

  protected useLanguage(value: string): void {
    if (isLanguage(value)) this.i18n.use(value as Language);
  }
}
