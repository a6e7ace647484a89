import { ChangeDetectionStrategy, Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { I18n } from '../i18n/i18n';
import { provideI18nTesting } from '../i18n/testing';
import { CallMedia } from '../live/call-media';
import { Recorder, RecordingControls, RecordingStatus, SAVE_RECORDING, elapsedText, recordingFileName } from './recording';

const plain = (text: string | null | undefined) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The streams of a call, made by the browser itself: a painted canvas for a camera, oscillators for voices. */
class TestMedia {
  private readonly cleanups: (() => void)[] = [];

  /** A moving picture of `colour`. */
  camera(colour: string): MediaStream {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const context = canvas.getContext('2d')!;
    let frame = 0;
    const paint = () => {
      context.fillStyle = colour;
      context.fillRect(0, 0, 320, 240);
      context.fillStyle = '#fff';
      context.fillRect((frame++ * 8) % 320, 100, 40, 40);
    };
    paint();
    const timer = setInterval(paint, 40);
    const stream = canvas.captureStream(25);
    this.cleanups.push(() => {
      clearInterval(timer);
      stream.getTracks().forEach((track) => track.stop());
    });
    return stream;
  }

  /** A voice: a tone at `frequency`. */
  voice(frequency: number): MediaStream {
    const context = new AudioContext();
    const oscillator = new OscillatorNode(context, { frequency });
    const destination = context.createMediaStreamDestination();
    oscillator.connect(destination);
    oscillator.start();
    context.resume().catch(() => undefined);
    this.cleanups.push(() => void context.close());
    return destination.stream;
  }

  release(): void {
    this.cleanups.splice(0).forEach((cleanup) => cleanup());
  }
}

@Component({
  imports: [RecordingControls, RecordingStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<div role="toolbar"><tc-recording-controls /></div><tc-recording-status />`,
})
class Host {}

/** The loudness (RMS) of a recorded file's sound, decoded by the browser. */
async function loudness(file: Blob): Promise<number> {
  const context = new OfflineAudioContext(1, 1, 48000);
  const buffer = await context.decodeAudioData(await file.arrayBuffer());
  const samples = buffer.getChannelData(0);
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / samples.length);
}

/** The picture size of a recorded file, read by a `<video>`. */
async function pictureSize(file: Blob): Promise<{ width: number; height: number }> {
  const video = document.createElement('video');
  video.muted = true;
  const url = URL.createObjectURL(file);
  try {
    video.src = url;
    await new Promise((resolve, reject) => {
      video.onloadedmetadata = resolve;
      video.onerror = () => reject(new Error('unreadable video'));
    });
    return { width: video.videoWidth, height: video.videoHeight };
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Whether Web Audio runs in this browser without a user's gesture. The recorder mixes the sound
 * with Web Audio, which Chrome keeps suspended until the user has clicked on the page
 * (https://developer.chrome.com/blog/autoplay#web_audio); a spec's synthetic click does not
 * count, so the specs that record need Chromium started with
 * `--autoplay-policy=no-user-gesture-required` (ui/karma.conf.cjs), and fail saying so when it is missing.
 */
async function webAudioRuns(): Promise<boolean> {
  const context = new AudioContext();
  try {
    await Promise.race([context.resume().catch(() => undefined), wait(500)]);
    return context.state === 'running';
  } finally {
    await context.close();
  }
}

describe('Recording ("Enregistrer la vidéo" / "Enregistrer l\'audio")', () => {
  let audioRuns = false;
  beforeAll(async () => {
    audioRuns = await webAudioRuns();
  });
  /** Fails the spec, saying why, where the browser keeps Web Audio suspended (the flag is in ui/karma.conf.cjs). */
  const needsWebAudio = () => {
    if (!audioRuns) throw new Error('Web Audio waits for a user gesture in this Chromium: start it with --autoplay-policy=no-user-gesture-required (ui/karma.conf.cjs)');
  };
  let testMedia: TestMedia;
  let media: {
    localStream: ReturnType<typeof signal<MediaStream | null>>;
    ownScreen: ReturnType<typeof signal<MediaStream | null>>;
    remoteCamera: ReturnType<typeof signal<MediaStream | null>>;
    remoteScreen: ReturnType<typeof signal<MediaStream | null>>;
    remoteAudio: ReturnType<typeof signal<MediaStream | null>>;
  };
  let saved: { file: Blob; fileName: string }[];
  let fixture: ComponentFixture<Host>;
  let element: HTMLElement;
  let recorder: Recorder;

  beforeEach(async () => {
    testMedia = new TestMedia();
    const mine = testMedia.camera('#036');
    for (const track of testMedia.voice(440).getAudioTracks()) mine.addTrack(track);
    media = {
      localStream: signal<MediaStream | null>(mine),
      ownScreen: signal<MediaStream | null>(null),
      remoteCamera: signal<MediaStream | null>(testMedia.camera('#c00')),
      remoteScreen: signal<MediaStream | null>(null),
      remoteAudio: signal<MediaStream | null>(testMedia.voice(660)),
    };
    saved = [];
    TestBed.configureTestingModule({
      providers: [
        provideI18nTesting('fr-FR'),
        Recorder,
        // Our own service, reduced to the streams the recorder reads; the streams themselves are real.
        { provide: CallMedia, useValue: media },
        { provide: SAVE_RECORDING, useValue: (file: Blob, fileName: string) => saved.push({ file, fileName }) },
      ],
    });
    fixture = TestBed.createComponent(Host);
    element = fixture.nativeElement as HTMLElement;
    recorder = TestBed.inject(Recorder);
    await fixture.whenStable();
  });

  afterEach(async () => {
    await recorder.stop();
    fixture.destroy();
    testMedia.release();
  });

  const buttonNamed = (name: string) => {
    const found = [...element.querySelectorAll('button')].find((b) => plain(b.textContent) === name);
    if (!found) throw new Error(`no button ${name} in ${plain(element.textContent)}`);
    return found;
  };
  const dialog = () => element.querySelector('dialog')!;
  const status = () => plain(element.querySelector('[role=status]')?.textContent);

  async function confirm(name: string): Promise<void> {
    buttonNamed(name).click();
    await fixture.whenStable();
    buttonNamed('Commencer l\'enregistrement').click();
    await fixture.whenStable();
  }

  async function recordFor(ms: number, name: string): Promise<{ file: Blob; fileName: string }> {
    await confirm(name);
    expect(recorder.recording()).toBeTrue();
    await wait(ms);
    buttonNamed(name).click();
    await fixture.whenStable();
    await eventually(() => saved.length === 1);
    return saved[0]!;
  }

  async function eventually(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !condition(); i++) await wait(20);
    expect(condition()).withContext('condition never held').toBeTrue();
  }

  it('shows both buttons in the tool bar with the help page\'s names, not pressed', () => {
    for (const name of ['Enregistrer la vidéo', 'Enregistrer l\'audio']) {
      const button = buttonNamed(name);
      expect(button.classList).toContain('tool');
      expect(button.getAttribute('aria-pressed')).toBe('false');
    }
    expect(dialog().open).toBeFalse();
  });

  it('warns before recording, and "Annuler" records nothing', async () => {
    buttonNamed('Enregistrer la vidéo').click();
    await fixture.whenStable();
    expect(dialog().open).toBeTrue();
    expect(plain(dialog().textContent)).toContain('Attention : la loi ne vous autorise pas à conserver la vidéo de la téléconsultation.');
    expect(plain(dialog().textContent)).toContain('L\'enregistrement reste sur votre ordinateur et n\'est jamais envoyé.');
    buttonNamed('Annuler').click();
    await fixture.whenStable();
    expect(dialog().open).toBeFalse();
    expect(recorder.recording()).toBeFalse();
    expect(buttonNamed('Enregistrer la vidéo').getAttribute('aria-pressed')).toBe('false');
    expect(status()).toBe('');
    await recorder.stop();
    expect(saved).toEqual([]);
  });

  it('records video: the button is pressed with its name kept, the time runs, and stopping saves a WebM of the patient with sound', async () => {
    needsWebAudio();
    await confirm('Enregistrer la vidéo');
    expect(dialog().open).toBeFalse();
    const button = buttonNamed('Enregistrer la vidéo');
    expect(button.getAttribute('aria-pressed')).toBe('true');
    expect(buttonNamed('Enregistrer l\'audio').disabled).toBeTrue();
    expect(status()).toContain('Enregistrement en cours');
    await wait(1300);
    await fixture.whenStable();
    expect(plain(element.querySelector('[data-testid=recording-elapsed]')?.textContent)).toBe('0:01');

    button.click();
    await fixture.whenStable();
    await eventually(() => saved.length === 1);
    const [{ file, fileName }] = saved as [{ file: Blob; fileName: string }];
    expect(file.size).toBeGreaterThan(0);
    expect(file.type).toMatch(/^video\/webm/);
    expect(fileName).toMatch(/^teleconsultation-\d{4}-\d{2}-\d{2}-\d{4}\.webm$/);
    expect(await pictureSize(file)).toEqual({ width: 1280, height: 720 });
    expect(await loudness(file)).toBeGreaterThan(0.05);
    await fixture.whenStable();
    expect(buttonNamed('Enregistrer la vidéo').getAttribute('aria-pressed')).toBe('false');
    expect(status()).toContain(`Enregistrement sauvegardé sur cet ordinateur : ${fileName}`);
    buttonNamed('Fermer').click();
    await fixture.whenStable();
    expect(status()).toBe('');
  });

  it('records audio only as audio/webm (Opus), with the sound of both sides', async () => {
    needsWebAudio();
    const { file, fileName } = await recordFor(1200, 'Enregistrer l\'audio');
    expect(file.size).toBeGreaterThan(0);
    expect(file.type).toMatch(/^audio\/webm/);
    expect(fileName).toMatch(/\.webm$/);
    expect(await loudness(file)).toBeGreaterThan(0.05);
  });

  for (const side of ['ours', 'the patient\'s'] as const) {
    it(`mixes the sound: ${side} alone is heard`, async () => {
    needsWebAudio();
      if (side === 'ours') media.remoteAudio.set(null);
      else media.localStream.set(testMedia.camera('#036'));
      const { file } = await recordFor(1000, 'Enregistrer l\'audio');
      expect(await loudness(file)).toBeGreaterThan(0.05);
    });
  }

  it('keeps recording when the patient shares a screen, and stop() on hang-up resolves once the file is saved', async () => {
    needsWebAudio();
    await confirm('Enregistrer la vidéo');
    await wait(400);
    media.remoteScreen.set(testMedia.camera('#0a0'));
    await wait(600);
    await recorder.stop();
    expect(saved.length).toBe(1);
    expect(saved[0]!.file.size).toBeGreaterThan(0);
    expect(recorder.recording()).toBeFalse();
  });

  it('says so in English', async () => {
    TestBed.inject(I18n).use('en');
    await fixture.whenStable();
    buttonNamed('Record audio').click();
    await fixture.whenStable();
    expect(plain(dialog().textContent)).toContain('Warning: the law does not allow you to keep the video of the teleconsultation.');
    buttonNamed('Start recording').click();
    await fixture.whenStable();
    expect(status()).toContain('Recording');
    expect(buttonNamed('Record audio').getAttribute('aria-pressed')).toBe('true');
    expect(buttonNamed('Record video').disabled).toBeTrue();
  });

  it('names the file after the local start time, and shows the time as m:ss', () => {
    expect(recordingFileName(new Date(2026, 11, 2, 10, 30), 'video/webm;codecs=vp9,opus')).toBe('teleconsultation-2026-12-02-1030.webm');
    expect(recordingFileName(new Date(2026, 0, 5, 9, 4), 'audio/mp4')).toBe('teleconsultation-2026-01-05-0904.mp4');
    expect(elapsedText(7)).toBe('0:07');
    expect(elapsedText(754)).toBe('12:34');
    expect(elapsedText(3723)).toBe('1:02:03');
  });
});
