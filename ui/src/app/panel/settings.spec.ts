import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { CallMedia } from '../live/call-media';
import { ConsultationClient } from '../live/consultation-client';
import { PractitionerSettings, SETTINGS_STORAGE, SETTINGS_STORAGE_KEY } from './settings';

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

  function make(): PractitionerSettings {
    TestBed.configureTestingModule({
      providers: [
        PractitionerSettings,
        { provide: SETTINGS_STORAGE, useValue: storage },
        { provide: ConsultationClient, useValue: { driver: () => null } },
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
  });
  afterEach(() => delete document.documentElement.dataset['theme']);

  it('remembers the display and the devices on this device, and applies the display and the speaker', () => {
    const settings = make();
    expect(document.documentElement.dataset['theme']).toBeUndefined();
    settings.update({ theme: 'dark', speakerId: 'speaker-2' });
    TestBed.tick();
    expect(document.documentElement.dataset['theme']).toBe('dark');
    expect(speaker).toBe('speaker-2');
    expect(JSON.parse(storage.getItem(SETTINGS_STORAGE_KEY)!)).toEqual({ theme: 'dark', cameraId: null, microphoneId: null, speakerId: 'speaker-2' });
  });

  it('reads them back after a reload, and ignores what is not a setting', () => {
    storage.setItem(SETTINGS_STORAGE_KEY, JSON.stringify({ theme: 'light', cameraId: 'cam-3', microphoneId: 42, speakerId: '', extra: true }));
    const settings = make();
    expect(settings.settings()).toEqual({ theme: 'light', cameraId: 'cam-3', microphoneId: null, speakerId: null });
    expect(document.documentElement.dataset['theme']).toBe('light');
  });

  it('starts from the defaults when the stored text is broken', () => {
    storage.setItem(SETTINGS_STORAGE_KEY, '{not json');
    expect(make().settings()).toEqual({ theme: 'system', cameraId: null, microphoneId: null, speakerId: null });
  });
});
