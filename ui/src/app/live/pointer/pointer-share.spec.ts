import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { FakeConsultation, pointerAt, provideFakeConsultation, videoOf } from '../drawing/testing';
import { PointerShare } from './pointer-share';

@Component({
  imports: [PointerShare],
  template: `
    @if (shown()) {
      <div data-testid="surface" style="position: fixed; left: 0; top: 0; width: 320px; height: 160px" [tcPointerShare]="sharing()" [pointerVideo]="video()">
        <span style="display: block; width: 50px; height: 50px"></span>
      </div>
    }
  `,
})
class SharedSurface {
  readonly sharing = signal(true);
  readonly shown = signal(true);
  readonly video = signal<HTMLVideoElement | null>(null);
}

describe('PointerShare', () => {
  let fake: FakeConsultation;
  let fixture: ComponentFixture<SharedSurface>;
  const surface = () => (fixture.nativeElement as HTMLElement).querySelector('[data-testid=surface]')!;
  const move = (x: number, y: number, target: Element = surface()) => pointerAt(target, 'pointermove', x, y, { buttons: 0 });
  const sent = () => fake.pointers().map(({ x, y, visible }) => [x, y, visible]);

  beforeEach(async () => {
    fake = new FakeConsultation('practitioner');
    TestBed.configureTestingModule({ providers: [provideFakeConsultation(fake)] });
    fixture = TestBed.createComponent(SharedSurface);
    await fixture.whenStable();
    jasmine.clock().install();
    jasmine.clock().mockDate(new Date('2026-06-15T08:30:00Z'));
  });
  afterEach(() => jasmine.clock().uninstall());

  it('sends the position as fractions of the surface at once, then the latest one every 50 ms at most', () => {
    move(160, 80);
    expect(sent()).toEqual([[0.5, 0.5, true]]);
    jasmine.clock().tick(10);
    move(32, 40);
    jasmine.clock().tick(10);
    // A move over a child element bubbles up to the surface.
    move(80, 40, surface().querySelector('span')!);
    expect(sent().length).toBe(1);
    jasmine.clock().tick(30);
    expect(sent()).toEqual([[0.5, 0.5, true], [0.25, 0.25, true]]);
    jasmine.clock().tick(500);
    expect(sent().length).toBe(2);
  });

  it('sends at most 20 messages a second, the last position included', () => {
    for (let i = 0; i < 100; i++) {
      move(i * 3, 80);
      jasmine.clock().tick(10);
    }
    jasmine.clock().tick(100);
    expect(sent().length).toBeLessThanOrEqual(21);
    // 297 / 320, to 1/10 000.
    expect(sent().at(-1)).toEqual([0.9281, 0.5, true]);
  });

  it('sends nothing for a move to the same place', () => {
    move(160, 80);
    jasmine.clock().tick(100);
    move(160, 80);
    jasmine.clock().tick(100);
    expect(sent().length).toBe(1);
  });

  it('says the pointer is not visible when it leaves the surface, once', () => {
    move(160, 80);
    jasmine.clock().tick(100);
    surface().dispatchEvent(new PointerEvent('pointerleave', { clientX: 400, clientY: 80 }));
    surface().dispatchEvent(new PointerEvent('pointerleave', { clientX: 400, clientY: 80 }));
    jasmine.clock().tick(100);
    expect(sent()).toEqual([[0.5, 0.5, true], [0.5, 0.5, false]]);
  });

  it('sends nothing while sharing is off, and not visible when it is turned off', () => {
    move(160, 80);
    jasmine.clock().tick(100);
    fixture.componentInstance.sharing.set(false);
    TestBed.tick();
    jasmine.clock().tick(100);
    move(32, 40);
    jasmine.clock().tick(100);
    expect(sent()).toEqual([[0.5, 0.5, true], [0.5, 0.5, false]]);
    fixture.componentInstance.sharing.set(true);
    TestBed.tick();
    move(32, 40);
    expect(sent().at(-1)).toEqual([0.1, 0.25, true]);
  });

  it('says not visible when the surface goes away while shown', () => {
    move(160, 80);
    fixture.componentInstance.shown.set(false);
    TestBed.tick();
    expect(sent()).toEqual([[0.5, 0.5, true], [0.5, 0.5, false]]);
  });

  it('counts the bars around a video\'s picture as outside', async () => {
    jasmine.clock().uninstall();
    const video = await videoOf(400, 300, 320, 160);
    try {
      fixture.componentInstance.video.set(video);
      TestBed.tick();
      jasmine.clock().install();
      jasmine.clock().mockDate(new Date('2026-06-15T08:31:00Z'));
      // The picture is 213.33 × 160 from x = 53.33.
      move(160, 80);
      jasmine.clock().tick(100);
      move(20, 80);
      jasmine.clock().tick(100);
      move(53.34 + 213.33 / 4, 40);
      jasmine.clock().tick(100);
      const [first, second, third] = fake.pointers();
      expect([first!.x, first!.y, first!.visible]).toEqual([0.5, 0.5, true]);
      expect(second!.visible).toBeFalse();
      expect(third!.x).toBeCloseTo(0.25, 3);
      expect(third!.y).toBe(0.25);
    } finally {
      video.remove();
    }
  });
});
