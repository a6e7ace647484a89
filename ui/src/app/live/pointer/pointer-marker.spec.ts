import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import type { ServerMessage } from '#protocol/live';
import { I18n } from '../../i18n/i18n';
import { provideI18nTesting } from '../../i18n/testing';
import { stateFrame } from '../testing';
import { FakeConsultation, frames, provideFakeConsultation, videoOf } from '../drawing/testing';
import { PointerMarker } from './pointer-marker';

@Component({
  imports: [PointerMarker],
  template: `
    <div style="position: fixed; left: 0; top: 0; width: 320px; height: 160px">
      <tc-pointer-marker [video]="video()" />
    </div>
  `,
})
class PatientStage {
  readonly video = signal<HTMLVideoElement | null>(null);
}

describe('PointerMarker', () => {
  let fake: FakeConsultation;
  let fixture: ComponentFixture<PatientStage>;
  const marker = () => (fixture.nativeElement as HTMLElement).querySelector<HTMLElement>('[data-testid=pointer-marker]');
  /** The marker's centre in the viewport. */
  const centre = () => {
    const box = marker()!.getBoundingClientRect();
    return [box.left + box.width / 2, box.top + box.height / 2];
  };
  const pointer = (x: number, y: number, visible = true) => fake.receive({ type: 'pointer', from: 'practitioner', x, y, visible });
  async function stable(): Promise<void> {
    await fixture.whenStable();
    await frames();
    await fixture.whenStable();
  }

  beforeEach(async () => {
    fake = new FakeConsultation('patient');
    TestBed.configureTestingModule({ providers: [provideI18nTesting('fr-FR'), provideFakeConsultation(fake)] });
    fixture = TestBed.createComponent(PatientStage);
    await stable();
  });

  it('is hidden until the practitioner\'s pointer is visible, then shows at its fraction of the surface', async () => {
    expect(marker()).toBeNull();
    pointer(0.25, 0.75);
    await stable();
    expect(centre()).toEqual([80, 120]);
    expect(marker()!.textContent?.trim()).toBe('Pointeur du praticien');
    expect(getComputedStyle(marker()!.parentElement!).pointerEvents).toBe('none');
    pointer(0.25, 0.75, false);
    await stable();
    expect(marker()).toBeNull();
  });

  it('says its name in English too', async () => {
    TestBed.inject(I18n).use('en');
    pointer(0.5, 0.5);
    await stable();
    expect(marker()!.textContent?.trim()).toBe("Practitioner's pointer");
  });

  it('hides on a new connection', async () => {
    pointer(0.5, 0.5);
    await stable();
    fake.receive(JSON.parse(stateFrame('patient', 'admitted')) as ServerMessage);
    await stable();
    expect(marker()).toBeNull();
  });

  it('places the marker on the picture of the given video, bars left aside', async () => {
    const video = await videoOf(400, 300, 320, 160);
    try {
      fixture.componentInstance.video.set(video);
      pointer(0, 0);
      await stable();
      // The 4:3 picture is 213.33 × 160 from x = 53.33.
      expect(centre()[0]).toBeCloseTo(53.33, 1);
      expect(centre()[1]).toBeCloseTo(0, 1);
      pointer(1, 1);
      await stable();
      // The marker glides over 50 ms.
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(centre()[0]).toBeCloseTo(266.67, 1);
      expect(centre()[1]).toBeCloseTo(160, 1);
    } finally {
      video.remove();
    }
  });
});
