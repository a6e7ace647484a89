import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { CallMedia } from '../live/call-media';
import { ConsultationClient } from '../live/consultation-client';
import type { CameraEffect, ConferenceDriver, SendQuality } from '../../../../meet/drivers/conference';
import { BACKGROUND_EFFECTS, PractitionerSettings, SETTINGS_STORAGE, SETTINGS_STORAGE_KEY } from './settings';

/** What a driver was asked for the camera's effect and the caps. */
class DriverRecord {
  readonly effects: (CameraEffect | null)[] = [];
  readonly qualities: SendQuality[] = [];
  readonly driver = {
    setCameraEffect: async (effect: CameraEffect | null) => void this.effects.push(effect),
    setSendQuality: async (quality: SendQuality) => void this.qualities.push(quality),
    listDevices: async () => [],
  } as unknown as ConferenceDriver;
}

/** An effect the spec can tell apart, and whether it was stopped. */
class TestEffect implements CameraEffect {
  stopped = false;
  constructor(readonly background: string) {}
  start(camera: MediaStream): MediaStream {
    return camera;
  }
  stop(): void {
    this.stopped = true;
  }
}

/** A storage the spec reads. */
class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

describe('PractitionerSettings ("Réglages")', () => {
  let storage: MemoryStorage;
  let speaker: string | null | undefined;
  let record: DriverRecord;
  let driver: ReturnType<typeof signal<ConferenceDriver | null>>;
  let watchers: ((d: ConferenceDriver | null) => void)[];
  let supported: boolean;
  /** Each background asked for, resolved by the spec (or failed). */
  let created: { background: string; resolve: (effect: CameraEffect) => void; reject: (error: Error) => void }[];

  /** The page's call starts: its driver is handed to the watchers before it joins. */
  function callStarts(): void {
    driver.set(record.driver);
    for (const watcher of watchers) watcher(record.driver);
  }

  function make(): PractitionerSettings {
    TestBed.configureTestingModule({
      providers: [
        PractitionerSettings,
        { provide: SETTINGS_STORAGE, useValue: storage },
        {
          provide: BACKGROUND_EFFECTS,
          useValue: {
            supported: () => supported,
            create: (background: string) => new Promise<CameraEffect>((resolve, reject) => created.push({ background, resolve, reject })),
          },
        },
        {
          provide: ConsultationClient,
          useValue: {
            driver: () => driver(),
            watchDriver: (watcher: (d: ConferenceDriver | null) => void) => {
              watchers.push(watcher);
              watcher(driver());
              return () => undefined;
            },
          },
        },
        { provide: CallMedia, useValue: { localStream: signal(null), setSpeaker: (id: string | null) => (speaker = id) } },
      ],
    });
    const settings = TestBed.inject(PractitionerSettings);
    TestBed.tick();
    return settings;
  }

  beforeEach(() => {
    storage = new MemoryStorage();
    speaker = undefined;
    record = new DriverRecord();
    driver = signal<ConferenceDriver | null>(null);
    watchers = [];
    supported = true;
    created = [];
  });
  afterEach(() => delete document.documentElement.dataset['theme']);

  it('remembers the display and the devices on this device, and applies the display and the speaker', () => {
    const settings = make();
    expect(document.documentElement.dataset['theme']).toBeUndefined();
    settings.update({ theme: 'dark', speakerId: 'speaker-2' });
    TestBed.tick();
    expect(document.documentElement.dataset['theme']).toBe('dark');
    expect(speaker).toBe('speaker-2');
    expect(JSON.parse(storage.getItem(SETTINGS_STORAGE_KEY)!)).toEqual(jasmine.objectContaining({ theme: 'dark', cameraId: null, microphoneId: null, speakerId: 'speaker-2' }));
  });

  it('reads them back after a reload, and ignores what is not a setting', () => {
    storage.setItem(SETTINGS_STORAGE_KEY, JSON.stringify({
      theme: 'light', background: 'image:ciel', cameraId: 'cam-3', microphoneId: 42, speakerId: '', maxVideoKbps: 600, maxVideoHeight: 333, photoHeight: '720', extra: true,
    }));
    const settings = make();
    expect(settings.settings()).toEqual({
      theme: 'light', background: 'image:ciel', cameraId: 'cam-3', microphoneId: null, speakerId: null, maxVideoKbps: 600, maxVideoHeight: null, photoHeight: null,
    });
    expect(document.documentElement.dataset['theme']).toBe('light');
  });

  it('starts from the defaults when the stored text is broken', () => {
    storage.setItem(SETTINGS_STORAGE_KEY, '{not json');
    expect(make().settings()).toEqual({ theme: 'system', background: 'none', cameraId: null, microphoneId: null, speakerId: null, maxVideoKbps: null, maxVideoHeight: null, photoHeight: null });
  });

  it('gives the call the remembered caps and background before it joins, and a change at once', async () => {
    storage.setItem(SETTINGS_STORAGE_KEY, JSON.stringify({ background: 'blur', maxVideoKbps: 300, maxVideoHeight: 480 }));
    const settings = make();
    expect(created.length).withContext('nothing loaded before a call').toBe(0);
    callStarts();
    expect(record.qualities).toEqual([{ maxVideoKbps: 300, maxVideoHeight: 480 }]);
    expect(created.map((c) => c.background)).toEqual(['blur']);
    expect(settings.backgroundState()).toBe('loading');
    const blur = new TestEffect('blur');
    created[0]!.resolve(blur);
    await new Promise((resolve) => setTimeout(resolve));
    expect(record.effects).toEqual([blur]);
    expect(settings.backgroundState()).toBe('ready');

    settings.update({ maxVideoKbps: null });
    expect(record.qualities.at(-1)).toEqual({ maxVideoKbps: null, maxVideoHeight: 480 });
    settings.update({ background: 'none' });
    await new Promise((resolve) => setTimeout(resolve));
    expect(record.effects.at(-1)).toBeNull();
    expect(JSON.parse(storage.getItem(SETTINGS_STORAGE_KEY)!)).toEqual(jasmine.objectContaining({ background: 'none', maxVideoKbps: null, maxVideoHeight: 480 }));
  });

  it('drops a background still loading when another is chosen, and says when one fails (the camera then goes as it is)', async () => {
    const settings = make();
    callStarts();
    settings.update({ background: 'image:cabinet' });
    settings.update({ background: 'image:jardin' });
    const late = new TestEffect('image:cabinet');
    created[0]!.resolve(late);
    await new Promise((resolve) => setTimeout(resolve));
    expect(late.stopped).withContext('the older choice is stopped, never sent').toBeTrue();
    expect(record.effects).not.toContain(late);
    created[1]!.reject(new Error('no WebGL context'));
    await new Promise((resolve) => setTimeout(resolve));
    expect(settings.backgroundState()).toBe('failed');
    expect(record.effects.at(-1)).toBeNull();
  });

  it('loads no background where the browser cannot make one', async () => {
    supported = false;
    storage.setItem(SETTINGS_STORAGE_KEY, JSON.stringify({ background: 'blur' }));
    const settings = make();
    callStarts();
    settings.update({ background: 'image:ciel' });
    await new Promise((resolve) => setTimeout(resolve));
    expect(created.length).toBe(0);
    expect(record.effects).toEqual([null, null]);
    expect(settings.backgroundSupported()).toBeFalse();
  });
});
