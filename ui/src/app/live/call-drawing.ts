import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { CallMedia } from './call-media';
import { CallStage } from './call-stage';
import { ConsultationClient } from './consultation-client';
import { DrawingBoard } from './drawing/drawing-board';
import { DrawingSession } from './drawing/drawing-session';
import { PointerMarker } from './pointer/pointer-marker';
import { PointerShare } from './pointer/pointer-share';

/**
 * What lies over the stage's large place, on both pages: the shared drawing ("Dessiner") on a
 * blank page or over the shared screen, and the practitioner's pointer ("Partager le
 * pointeur"), which the practitioner moves over its own view of the share and the patient
 * sees as a marker at the same place. Placed in the stage as `[stage-overlay]`. The blank
 * page is square, so that a drawing keeps its shape on a computer and a phone alike.
 */
@Component({
  selector: 'tc-call-drawing',
  imports: [DrawingBoard, PointerMarker, PointerShare],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '[class.tracking]': 'tracking()', '[attr.data-surface]': 'drawing.surface()' },
  template: `
    @if (drawing.surface() === 'blank') {
      <div class="frame">
        <div class="page" data-testid="drawing-page" [tcPointerShare]="tracking()">
          <tc-drawing-board class="fill" />
          @if (!practitioner()) {
            <tc-pointer-marker />
          }
        </div>
      </div>
    } @else {
      <div class="over" [tcPointerShare]="tracking() && media.somethingShared()" [pointerVideo]="video()">
        @if (drawing.surface() === 'shared') {
          <tc-drawing-board class="fill" [video]="video()" />
        }
        @if (!practitioner() && media.remoteScreen()) {
          <tc-pointer-marker [video]="video()" />
        }
      </div>
    }
  `,
  styles: `
    :host { position: absolute; inset: 0; display: block; pointer-events: none; z-index: 2; }
    :host(.tracking), :host([data-surface='blank']), :host([data-surface='shared']) { pointer-events: auto; }
    /* The largest square that fits the stage, on a landscape screen and a portrait phone alike. */
    .frame { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; background: #3a4452; container-type: size; }
    .page { position: relative; width: min(100cqw, 100cqh); height: min(100cqw, 100cqh); background: #fff; }
    .over { position: absolute; inset: 0; }
    .fill { position: absolute; inset: 0; }
  `,
})
export class CallDrawing {
  /** Practitioner: "Partager le pointeur" is on. */
  readonly pointerSharing = input(false);
  protected readonly drawing = inject(DrawingSession);
  protected readonly media = inject(CallMedia);
  private readonly stage = inject(CallStage);
  private readonly client = inject(ConsultationClient);
  protected readonly practitioner = computed(() => this.client.summary()?.you.role === 'practitioner');
  protected readonly tracking = computed(() => this.practitioner() && this.pointerSharing());
  /** The large video: what is shared, as both sides see it. */
  protected readonly video = computed(() => this.stage.surfaceVideo());
  /** True while the drawing layer is shown (on both sides). */
  readonly open = computed(() => this.drawing.surface() !== 'off');

  /** "Dessiner": opens the drawing over what is shared (else on a blank page) for both sides, or closes it. */
  toggle(): void {
    if (this.open()) this.drawing.close();
    else this.drawing.open(this.media.somethingShared() ? 'shared' : 'blank');
  }
}
