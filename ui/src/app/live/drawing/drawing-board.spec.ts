import { TestBed } from '@angular/core/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { I18n } from '../../i18n/i18n';
import { provideI18nTesting } from '../../i18n/testing';
import { DrawingBoard } from './drawing-board';
import { DrawingSession } from './drawing-session';
import type { StrokeOperation } from './drawing-state';
import { FakeConsultation, frames, paintedPixels, pixelAt, pointerAt, provideFakeConsultation, videoOf } from './testing';

describe('DrawingBoard', () => {
  let fake: FakeConsultation;
  let fixture: ComponentFixture<DrawingBoard>;
  let host: HTMLElement;
  let session: DrawingSession;
  const canvas = () => host.querySelector('canvas')!;
  const button = (name: string) => [...host.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent?.trim()) === name);
  const strokes = () => fake.drawn().filter((op): op is StrokeOperation => op.action === 'stroke');
  /** The canvas pixel under the CSS pixel (`x`, `y`) of the board. */
  const pixel = (x: number, y: number) => {
    const ratio = canvas().width / canvas().getBoundingClientRect().width;
    return pixelAt(canvas(), x * ratio, y * ratio);
  };

  async function render(editable = true, video: HTMLVideoElement | null = null): Promise<void> {
    fake = new FakeConsultation('patient');
    TestBed.configureTestingModule({ providers: [provideI18nTesting('fr-FR'), provideFakeConsultation(fake), DrawingSession] });
    session = TestBed.inject(DrawingSession);
    fixture = TestBed.createComponent(DrawingBoard);
    host = fixture.nativeElement as HTMLElement;
    host.style.cssText = 'position: fixed; left: 0; top: 0; width: 320px; height: 160px';
    fixture.componentRef.setInput('editable', editable);
    fixture.componentRef.setInput('video', video);
    await stable();
  }
  async function stable(): Promise<void> {
    await fixture.whenStable();
    await frames();
    await fixture.whenStable();
  }
  /** A mouse drag over the board, in its CSS pixels. */
  function drag(points: [number, number][]): void {
    const [first, ...rest] = points;
    const box = canvas().getBoundingClientRect();
    pointerAt(canvas(), 'pointerdown', box.left + first![0], box.top + first![1]);
    for (const [x, y] of rest) pointerAt(canvas(), 'pointermove', box.left + x, box.top + y);
    const last = points[points.length - 1]!;
    pointerAt(canvas(), 'pointerup', box.left + last[0], box.top + last[1]);
  }

  it('fills its host with a canvas at the device pixel ratio', async () => {
    await render();
    expect(canvas().getBoundingClientRect().width).toBe(320);
    expect(canvas().getBoundingClientRect().height).toBe(160);
    expect(canvas().width).toBe(Math.round(320 * devicePixelRatio));
    expect(getComputedStyle(canvas()).touchAction).toBe('none');
  });

  it('draws a mouse drag: pixels painted where it went, pieces sent as fractions of the surface', async () => {
    await render();
    drag([[32, 80], [100, 80], [200, 80], [288, 80]]);
    await stable();
    expect(pixel(150, 80)).toEqual([229, 57, 53, 255]);
    expect(pixel(150, 40)[3]).toBe(0);
    const sent = strokes();
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(new Set(sent.map((s) => s.id)).size).toBe(1);
    expect(sent[0]!.points[0]).toEqual([0.1, 0.5]);
    expect(sent[sent.length - 1]!.points.at(-1)).toEqual([0.9, 0.5]);
    expect(sent[0]).toEqual(jasmine.objectContaining({ tool: 'pen', color: '#e53935', width: 6 }));
  });

  it('draws with a finger and a pen too, one pointer at a time', async () => {
    await render();
    const box = canvas().getBoundingClientRect();
    pointerAt(canvas(), 'pointerdown', box.left + 160, box.top + 20, { pointerType: 'touch', pointerId: 7 });
    // A second finger is ignored while the first draws.
    pointerAt(canvas(), 'pointerdown', box.left + 10, box.top + 10, { pointerType: 'touch', pointerId: 8 });
    pointerAt(canvas(), 'pointermove', box.left + 20, box.top + 10, { pointerType: 'touch', pointerId: 8 });
    pointerAt(canvas(), 'pointermove', box.left + 160, box.top + 140, { pointerType: 'touch', pointerId: 7 });
    pointerAt(canvas(), 'pointerup', box.left + 160, box.top + 140, { pointerType: 'touch', pointerId: 7 });
    pointerAt(canvas(), 'pointerdown', box.left + 300, box.top + 20, { pointerType: 'pen', pointerId: 9 });
    pointerAt(canvas(), 'pointerup', box.left + 300, box.top + 20, { pointerType: 'pen', pointerId: 9 });
    await stable();
    // The finger's first move goes at once with its first point; the pen taps a dot.
    expect(strokes().map((s) => s.points)).toEqual([[[0.5, 0.125], [0.5, 0.875]], [[0.9375, 0.125]]]);
    expect(pixel(160, 80)[3]).toBeGreaterThan(100);
    expect(pixel(300, 20)[3]).toBeGreaterThan(100);
  });

  it('paints the other side\'s operations and the snapshot, and empties on "Effacer tout"', async () => {
    await render();
    fake.receive({ type: 'draw', from: 'practitioner', op: { action: 'stroke', id: 'r', tool: 'pen', color: '#1e63d6', width: 20, points: [[0, 0.25], [1, 0.25]] } });
    await stable();
    expect(pixel(160, 40)).toEqual([30, 99, 214, 255]);
    fake.receive({ type: 'drawing', surface: 'shared', operations: [{ action: 'stroke', id: 'q', tool: 'pen', color: '#2e7d32', width: 20, points: [[0.5, 0], [0.5, 1]], from: 'practitioner' }] });
    await stable();
    expect(pixel(160, 40)).toEqual([46, 125, 50, 255]);
    expect(pixel(40, 40)[3]).toBe(0);
    button('Effacer tout')!.click();
    await stable();
    expect(paintedPixels(canvas())).toBe(0);
    expect(fake.drawn().at(-1)).toEqual({ action: 'clear' });
  });

  it('erases with Gomme, in the colour and width chosen', async () => {
    await render();
    button('Bleu')!.click();
    button('Trait épais')!.click();
    drag([[0, 80], [320, 80]]);
    await stable();
    expect(pixel(160, 80)).toEqual([30, 99, 214, 255]);
    button('Gomme')!.click();
    await stable();
    expect(button('Gomme')!.getAttribute('aria-pressed')).toBe('true');
    expect(button('Crayon')!.getAttribute('aria-pressed')).toBe('false');
    drag([[160, 0], [160, 160]]);
    await stable();
    expect(pixel(160, 80)[3]).toBe(0);
    expect(pixel(60, 80)[3]).toBe(255);
    expect(strokes().map((s) => [s.tool, s.width])).toEqual([['pen', 12], ['eraser', 48]]);
  });

  it('places a text input with Texte; Enter writes the text on the drawing', async () => {
    await render();
    button('Texte')!.click();
    await stable();
    const box = canvas().getBoundingClientRect();
    pointerAt(canvas(), 'pointerdown', box.left + 32, box.top + 40);
    await stable();
    const input = host.querySelector<HTMLInputElement>('input')!;
    expect(input.getAttribute('aria-label')).toBe('Texte à ajouter (Entrée pour valider)');
    expect(document.activeElement).toBe(input);
    expect(input.getBoundingClientRect().left).toBe(box.left + 32);
    input.value = 'Douleur ici';
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await stable();
    expect(host.querySelector('input')).toBeNull();
    expect(fake.drawn()).toEqual([{ action: 'text', id: jasmine.any(String), color: '#e53935', size: 40, x: 0.1, y: 0.25, text: 'Douleur ici' }]);
    expect(paintedPixels(canvas())).toBeGreaterThan(50);
    // Escape drops a text.
    pointerAt(canvas(), 'pointerdown', box.left + 100, box.top + 100);
    await stable();
    host.querySelector<HTMLInputElement>('input')!.value = 'non';
    host.querySelector('input')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await stable();
    expect(fake.drawn().length).toBe(1);
  });

  it('names every control in French, or in English, and closes the board', async () => {
    await render();
    const names = () => [...host.querySelectorAll('button')].map((b) => b.getAttribute('aria-label') ?? b.textContent?.trim());
    expect(names()).toEqual(['Crayon', 'Gomme', 'Texte', 'Rouge', 'Bleu', 'Vert', 'Jaune', 'Noir', 'Blanc', 'Trait fin', 'Trait moyen', 'Trait épais', 'Effacer tout', 'Fermer le dessin']);
    expect(host.querySelector('[role=group]')!.getAttribute('aria-label')).toBe('Outils de dessin');
    expect(canvas().getAttribute('aria-label')).toBe('Dessin partagé');
    TestBed.inject(I18n).use('en');
    await stable();
    expect(names()).toEqual(['Pen', 'Eraser', 'Text', 'Red', 'Blue', 'Green', 'Yellow', 'Black', 'White', 'Thin line', 'Medium line', 'Thick line', 'Clear all', 'Close the drawing']);
    button('Close the drawing')!.click();
    expect(fake.drawn()).toEqual([{ action: 'board', surface: 'off' }]);
  });

  it('is white on the blank surface and says when the drawing is full', async () => {
    await render();
    expect(getComputedStyle(host).backgroundColor).toBe('rgba(0, 0, 0, 0)');
    fake.receive({ type: 'draw', from: 'practitioner', op: { action: 'board', surface: 'blank' } });
    fake.receive({ type: 'error', code: 'DRAWING_FULL', message: 'full' });
    await stable();
    expect(getComputedStyle(host).backgroundColor).toBe('rgb(255, 255, 255)');
    expect(host.querySelector('[role=status]')?.textContent).toContain('Le dessin est plein');
  });

  it('only shows the drawing when not editable: no tools, and the pointer goes through', async () => {
    await render(false);
    expect(host.querySelectorAll('button').length).toBe(0);
    expect(getComputedStyle(canvas()).pointerEvents).toBe('none');
    drag([[10, 10], [100, 100]]);
    fake.receive({ type: 'draw', from: 'practitioner', op: { action: 'text', id: 't', color: '#111111', size: 100, x: 0.1, y: 0.1, text: 'MMM' } });
    await stable();
    expect(fake.sent).toEqual([]);
    expect(paintedPixels(canvas())).toBeGreaterThan(50);
  });

  it('keeps to the picture of the video it lies over, and repaints when resized', async () => {
    const video = await videoOf(400, 300, 320, 160);
    try {
      await render(true, video);
      // A 4:3 picture 160 px high is 213.33 px wide, centred in 320.
      const box = canvas().getBoundingClientRect();
      expect(box.height).toBeCloseTo(160, 0);
      expect(box.width).toBeCloseTo(213.33, 0);
      expect(box.left).toBeCloseTo(53.33, 0);
      fake.receive({ type: 'draw', from: 'practitioner', op: { action: 'stroke', id: 'r', tool: 'pen', color: '#1e63d6', width: 20, points: [[0, 0.5], [1, 0.5]] } });
      await stable();
      expect(pixel(100, 80)).toEqual([30, 99, 214, 255]);
      host.style.height = video.style.height = '320px';
      await stable();
      expect(canvas().getBoundingClientRect().height).toBeCloseTo(240, 0);
      expect(pixel(100, 120)).toEqual([30, 99, 214, 255]);
      expect(pixel(100, 80)[3]).toBe(0);
    } finally {
      video.remove();
    }
  });
});
