import { DOCUMENT } from '@angular/common';
import { TestBed } from '@angular/core/testing';
import { KNOCK_ENVIRONMENT, KnockAlert, type KnockEnvironment } from './knock-alert';

/** A browser whose notifications, sound and storage are recorded. */
function fakeEnvironment(permission: NotificationPermission) {
  const shown: { title: string; options: NotificationOptions; clicked: () => void; closed: boolean }[] = [];
  const tones: number[] = [];
  const stored = new Map<string, string>();
  let focused = 0;
  const node = { connect: (next: unknown) => next, gain: { setValueAtTime: () => undefined, exponentialRampToValueAtTime: () => undefined } };
  const context = {
    currentTime: 0,
    destination: {},
    resume: () => Promise.resolve(),
    createGain: () => node,
    createOscillator: () => ({ ...node, type: 'sine', frequency: { value: 0 }, start(this: { frequency: { value: number } }) { tones.push(this.frequency.value); }, stop: () => undefined }),
  };
  const env: KnockEnvironment = {
    notifications: {
      permission: () => permission,
      request: () => Promise.resolve('granted'),
      show: (title, options, clicked) => {
        const n = { title, options, clicked, closed: false, close: () => { n.closed = true; } };
        shown.push(n);
        return n;
      },
    },
    audio: () => context as unknown as AudioContext,
    storage: { getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => { stored.set(k, v); } },
    focus: () => { focused++; },
  };
  return { env, shown, tones, focused: () => focused };
}

const TEXTS = { title: "Camille M. est en salle d'attente", body: 'Cliquez pour ouvrir la consultation.', tabMark: '(1) Patient en attente' };

describe('KnockAlert', () => {
  let document: Document;

  function alertWith(env: KnockEnvironment): KnockAlert {
    TestBed.configureTestingModule({ providers: [KnockAlert, { provide: KNOCK_ENVIRONMENT, useValue: env }] });
    document = TestBed.inject(DOCUMENT);
    document.title = 'Espace praticien';
    return TestBed.inject(KnockAlert);
  }

  it('rings, notifies and, while the tab is not seen, marks the title; clicking the notification brings the panel forward', () => {
    const fake = fakeEnvironment('granted');
    const alert = alertWith(fake.env);
    spyOn(document, 'hasFocus').and.returnValue(false);
    alert.knocked('tc_1', '2026-06-15T08:31:00Z', TEXTS);
    expect(fake.tones).toEqual([660, 880]);
    expect(fake.shown.map((n) => n.title)).toEqual([TEXTS.title]);
    expect(fake.shown[0]!.options.tag).toBe('knock-tc_1');
    expect(document.title).toBe('(1) Patient en attente – Espace praticien');
    fake.shown[0]!.clicked();
    expect(fake.focused()).toBe(1);
    expect(fake.shown[0]!.closed).toBeTrue();
    alert.handled();
    expect(document.title).toBe('Espace praticien');
  });

  it('does not ring again for the same knock (a reload), but does for a new one', () => {
    const fake = fakeEnvironment('granted');
    const alert = alertWith(fake.env);
    alert.knocked('tc_1', '2026-06-15T08:31:00Z', TEXTS);
    alert.knocked('tc_1', '2026-06-15T08:31:00Z', TEXTS);
    expect(fake.tones.length).toBe(2);
    expect(fake.shown.length).toBe(1);
    alert.knocked('tc_1', '2026-06-15T08:40:00Z', TEXTS);
    expect(fake.tones.length).toBe(4);
    expect(fake.shown.length).toBe(2);
  });

  it('rings without a notification until permission is given, and asks for it on request', async () => {
    const fake = fakeEnvironment('default');
    const alert = alertWith(fake.env);
    expect(alert.access()).toBe('default');
    alert.knocked('tc_1', '2026-06-15T08:31:00Z', TEXTS);
    expect(fake.tones.length).toBe(2);
    expect(fake.shown.length).toBe(0);
    await alert.enableNotifications();
    expect(alert.access()).toBe('granted');
  });

  it('says notifications are unsupported where the browser has none', () => {
    const fake = fakeEnvironment('default');
    const alert = alertWith({ ...fake.env, notifications: null });
    expect(alert.access()).toBe('unsupported');
  });
});
