import { DestroyRef, Injectable, effect, inject, signal, untracked } from '@angular/core';
import type { CameraRefusal, ClientMessage, PatientMediaState } from '#protocol/live';
import type { TranslationKey, TranslationParams } from '../i18n/i18n';
import { CallMedia } from '../live/call-media';
import { ConsultationClient } from '../live/consultation-client';
import { Documents } from '../live/documents/documents';

type CameraCommand = Extract<ClientMessage, { type: 'camera' }>['command'];

/** One step of zoom, and the most a digital zoom enlarges. */
const ZOOM_STEP = 0.5;
const DIGITAL_ZOOM_MAX = 4;

/** The camera's own zoom range, where the browser reports one (`MediaTrackCapabilities.zoom`). */
interface ZoomRange {
  min: number;
  max: number;
}

/** What the patient is told, in words. */
export interface CameraNotice {
  readonly key: TranslationKey;
  readonly params: TranslationParams;
}

/** Labels that name a camera's side on phones and tablets (the browsers report no side in the device list). */
const BACK = /back|rear|environment|arrière|arriere/i;
const FRONT = /front|user|facing front|avant|selfie/i;

/**
 * The practitioner's hand on the patient's phone: carries out, on the patient's device, the
 * practitioner's commands (microphone and video off and on at the source, switching camera,
 * zoom), tells the patient in words what was done, and reports the true state back
 * (`camera-state`) after every change, the patient's own buttons included, and whenever the
 * practitioner (re)connects; and shows the patient when the practitioner records. Provided
 * with the patient's page.
 */
@Injectable()
export class CameraCommands {
  private readonly client = inject(ConsultationClient);
  private readonly media = inject(CallMedia);
  private readonly documents = inject(Documents);
  private readonly noticeSignal = signal<CameraNotice | null>(null);
  private zoomLevel = 1;
  private cameras = 0;
  private refused: CameraRefusal | undefined;
  /** Commands one after the other: a switch must end before a zoom applies to the new camera. */
  private queue: Promise<void> = Promise.resolve();

  private readonly recordingSignal = signal<'video' | 'audio' | null>(null);

  /** The last thing the practitioner did to the phone, in words; null once dismissed. */
  readonly notice = this.noticeSignal.asReadonly();
  /** The practitioner records the call in their browser (shown for as long as it runs). */
  readonly recording = this.recordingSignal.asReadonly();

  constructor() {
    const subscription = this.client.socket.messages$.subscribe((message) => {
      if (message.type === 'camera' && message.from === 'practitioner') this.enqueue(() => this.carryOut(message.command, message.photoHeight));
      if (message.type === 'recording' && message.from === 'practitioner') this.recordingSignal.set(message.active ? message.kind ?? 'video' : null);
      // The practitioner (re)connected, or the call restarted: say where we stand.
      if (message.type === 'presence' && message.presence.practitioner === 'online' && message.presence.patient === 'admitted') this.enqueue(() => this.report());
    });
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
    // The patient's own buttons change the state too.
    effect(() => {
      this.media.microphoneMuted();
      this.media.cameraMuted();
      this.media.localStream();
      untracked(() => this.enqueue(() => this.report()));
    });
  }

  /** Dismisses the notice. */
  dismiss(): void {
    this.noticeSignal.set(null);
  }

  /** The state as the practitioner's panel shows it. */
  async state(): Promise<PatientMediaState> {
    const track = this.videoTrack();
    const range = zoomRange(track);
    const facing = track?.getSettings().facingMode;
    return {
      microphone: !this.media.microphoneMuted(),
      video: !this.media.cameraMuted(),
      cameras: this.cameras,
      facing: facing === 'user' || facing === 'environment' ? facing : null,
      zoom: { mode: range ? 'camera' : 'digital', level: this.zoomLevel, max: range ? round(range.max / range.min) : DIGITAL_ZOOM_MAX },
      ...(this.refused ? { refused: this.refused } : {}),
    };
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch(() => undefined);
  }

  private async carryOut(command: CameraCommand, photoHeight?: number): Promise<void> {
    this.refused = undefined;
    switch (command) {
      case 'mute-audio':
      case 'unmute-audio':
        await this.media.setMicrophoneMuted(command === 'mute-audio');
        this.tell(command === 'mute-audio' ? 'remote.micOff' : 'remote.micOn');
        break;
      case 'mute-video':
      case 'unmute-video':
        await this.media.setCameraMuted(command === 'mute-video');
        this.tell(command === 'mute-video' ? 'remote.videoOff' : 'remote.videoOn');
        break;
      case 'switch':
        await this.switchCamera();
        break;
      case 'photo':
        await this.takePhoto(photoHeight);
        break;
      default:
        await this.zoom(command === 'zoom-in' ? ZOOM_STEP : command === 'zoom-out' ? -ZOOM_STEP : null);
    }
    await this.report();
  }

  private async switchCamera(): Promise<void> {
    const driver = this.client.driver();
    if (!driver) return this.refuse('not-in-call');
    const cameras = (await driver.listDevices()).filter((d) => d.kind === 'camera');
    this.cameras = cameras.length;
    if (cameras.length < 2) return this.refuse('single-camera');
    const track = this.videoTrack();
    const settings = track?.getSettings() ?? {};
    const current = cameras.findIndex((c) => c.id === settings.deviceId);
    // The other side of the phone when the labels say which is which, else the next camera.
    const wanted = settings.facingMode === 'user' || FRONT.test(track?.label ?? '') ? BACK : settings.facingMode === 'environment' || BACK.test(track?.label ?? '') ? FRONT : null;
    const others = cameras.filter((_, i) => i !== current);
    const next = (wanted && others.find((c) => wanted.test(c.label))) ?? cameras[(current + 1) % cameras.length]!;
    try {
      await driver.switchCamera(next.id);
    } catch {
      return this.refuse('switch-failed');
    }
    this.zoomLevel = 1;
    this.tell('remote.cameraSwitched');
  }

  /**
   * A still at the camera's full resolution, or at most `maxHeight` tall (`ImageCapture.takePhoto`,
   * where the browser has it; else the current frame), filed into the consultation's documents,
   * so both sides have it.
   */
  private async takePhoto(maxHeight?: number): Promise<void> {
    const track = this.videoTrack();
    if (!track || track.readyState !== 'live') return this.refuse('not-in-call');
    let photo: Blob | null = null;
    try {
      photo = await stillOf(track, maxHeight);
    } catch {
      photo = null;
    }
    if (!photo) return this.refuse('photo-failed');
    const at = new Date();
    const stamp = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
    this.documents.upload(new File([photo], `photo-${stamp}.jpg`, { type: 'image/jpeg' }));
    this.tell('remote.photo');
  }

  /** One step in or out (`null`: back to none), with the camera's own zoom where it has one. */
  private async zoom(step: number | null): Promise<void> {
    const track = this.videoTrack();
    const range = zoomRange(track);
    const max = range ? range.max / range.min : DIGITAL_ZOOM_MAX;
    const next = step === null ? 1 : Math.min(max, Math.max(1, this.zoomLevel + step));
    if (step !== null && next === this.zoomLevel) return this.refuse('zoom-limit');
    if (range && track) {
      // https://w3c.github.io/mediacapture-image/#zoom
      await track.applyConstraints({ advanced: [{ zoom: range.min * next } as MediaTrackConstraintSet] });
    }
    this.zoomLevel = round(next);
    this.tell(this.zoomLevel === 1 ? 'remote.zoomReset' : 'remote.zoom', { level: this.zoomLevel.toLocaleString() });
  }

  private refuse(reason: CameraRefusal): void {
    this.refused = reason;
  }

  private tell(key: TranslationKey, params: TranslationParams = {}): void {
    this.noticeSignal.set({ key, params });
  }

  private async report(): Promise<void> {
    if (!this.client.driver()) return;
    if (this.cameras === 0) this.cameras = (await this.client.driver()?.listDevices() ?? []).filter((d) => d.kind === 'camera').length;
    this.client.send({ type: 'camera-state', state: await this.state() });
  }

  private videoTrack(): MediaStreamTrack | undefined {
    return this.media.localStream()?.getVideoTracks()[0];
  }
}

function zoomRange(track: MediaStreamTrack | undefined): ZoomRange | null {
  const capabilities = typeof track?.getCapabilities === 'function' ? (track.getCapabilities() as MediaTrackCapabilities & { zoom?: { min?: number; max?: number } }) : undefined;
  const zoom = capabilities?.zoom;
  return zoom && typeof zoom.min === 'number' && typeof zoom.max === 'number' && zoom.max > zoom.min && zoom.min > 0 ? { min: zoom.min, max: zoom.max } : null;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `ImageCapture` where the browser has it (https://w3c.github.io/mediacapture-image/). */
interface ImageCaptureLike {
  takePhoto(settings?: { imageHeight?: number; imageWidth?: number }): Promise<Blob>;
  getPhotoCapabilities?(): Promise<{ imageHeight?: { min?: number; max?: number }; imageWidth?: { min?: number; max?: number } }>;
}
type ImageCaptureConstructor = new (track: MediaStreamTrack) => ImageCaptureLike;

/**
 * A JPEG still of `track`, at most `maxHeight` tall: the camera's own photo when it gives a
 * JPEG of the wanted size, else the current frame (or the photo), drawn, scaled and encoded here.
 */
async function stillOf(track: MediaStreamTrack, maxHeight?: number): Promise<Blob | null> {
  const Capture = (globalThis as { ImageCapture?: ImageCaptureConstructor }).ImageCapture;
  if (Capture) {
    const capture = new Capture(track);
    const blob = await capture.takePhoto(await photoSettings(capture, maxHeight)).catch(() => null);
    if (blob?.type === 'image/jpeg' && !(maxHeight && (await createImageBitmap(blob)).height > maxHeight)) return blob;
    if (blob) return reencode(await createImageBitmap(blob), maxHeight);
  }
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = new MediaStream([track]);
  await video.play();
  const bitmap = await createImageBitmap(video);
  video.srcObject = null;
  return reencode(bitmap, maxHeight);
}

/** The camera's photo size closest below `maxHeight` (https://w3c.github.io/mediacapture-image/#photocapabilities-section). */
async function photoSettings(capture: ImageCaptureLike, maxHeight?: number): Promise<{ imageHeight?: number; imageWidth?: number } | undefined> {
  if (!maxHeight || !capture.getPhotoCapabilities) return undefined;
  const capabilities = await capture.getPhotoCapabilities().catch(() => null);
  const heights = capabilities?.imageHeight;
  const widths = capabilities?.imageWidth;
  if (!heights?.max || !widths?.max || heights.max <= maxHeight) return undefined;
  const height = Math.max(heights.min ?? 1, maxHeight);
  return { imageHeight: height, imageWidth: Math.round((widths.max * height) / heights.max) };
}

function reencode(bitmap: ImageBitmap, maxHeight?: number): Promise<Blob | null> {
  const scale = maxHeight && bitmap.height > maxHeight ? maxHeight / bitmap.height : 1;
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.92));
}
