import { containedRect, relativeTo, toFraction, toPixels, videoContentRect, watchSurface } from './surface-rect';
import type { Rect } from './surface-rect';
import { frames, videoOf } from '../drawing/testing';

describe('surface-rect', () => {
  const box: Rect = { left: 10, top: 20, width: 400, height: 300 };

  it('fits a wider picture to the width, with bars above and below', () => {
    // 16:9 in a 4:3 box: 400 × 225, centred vertically.
    expect(containedRect(1920, 1080, box)).toEqual({ left: 10, top: 20 + 37.5, width: 400, height: 225 });
  });

  it('fits a taller picture to the height, with bars left and right', () => {
    // A 3:4 phone camera in the 4:3 box: 225 × 300, centred horizontally.
    expect(containedRect(480, 640, box)).toEqual({ left: 10 + 87.5, top: 20, width: 225, height: 300 });
  });

  it('gives the box itself for the same ratio and for an unknown picture size', () => {
    expect(containedRect(800, 600, box)).toEqual(box);
    expect(containedRect(0, 0, box)).toEqual(box);
  });

  it('turns pixels into fractions and back, and tells a point outside from one inside', () => {
    expect(toFraction(box, 210, 170)).toEqual({ x: 0.5, y: 0.5, inside: true });
    expect(toFraction(box, 10, 320)).toEqual({ x: 0, y: 1, inside: true });
    expect(toFraction(box, 5, 170)).toEqual({ x: 0, y: 0.5, inside: false });
    expect(toFraction(box, 210, 400)).toEqual({ x: 0.5, y: 1, inside: false });
    expect(toFraction({ left: 0, top: 0, width: 0, height: 0 }, 1, 1).inside).toBeFalse();
    expect(toPixels(box, 0.25, 0.5)).toEqual({ left: 110, top: 170 });
    const back = toFraction(box, toPixels(box, 0.3, 0.7).left, toPixels(box, 0.3, 0.7).top);
    expect(back.x).toBeCloseTo(0.3, 10);
    expect(back.y).toBeCloseTo(0.7, 10);
  });

  it('moves a rectangle into an element\'s coordinates', () => {
    expect(relativeTo(box, { left: 10, top: 5 })).toEqual({ left: 0, top: 15, width: 400, height: 300 });
  });

  describe('on a real video', () => {
    let video: HTMLVideoElement;
    afterEach(() => video.remove());

    it('finds the picture of a 4:3 video in a wide box', async () => {
      video = await videoOf(400, 300, 320, 100);
      // 100 px high, so 133.33 px wide, centred in 320.
      const rect = videoContentRect(video);
      expect(rect.height).toBeCloseTo(100, 5);
      expect(rect.width).toBeCloseTo(400 / 3, 5);
      expect(rect.left).toBeCloseTo((320 - 400 / 3) / 2, 5);
      expect(rect.top).toBeCloseTo(0, 5);
    });

    it('watchSurface follows the host and the picture, in the host\'s coordinates, until stopped', async () => {
      video = await videoOf(400, 300, 320, 100);
      const host = document.createElement('div');
      host.style.cssText = 'position: fixed; left: 0; top: 0; width: 320px; height: 100px';
      document.body.appendChild(host);
      const seen: Rect[] = [];
      const stop = watchSurface(host, video, (rect) => seen.push(rect));
      expect(seen[0]!.left).toBeCloseTo((320 - 400 / 3) / 2, 5);
      video.style.height = '200px';
      await frames(3);
      expect(seen[seen.length - 1]!.height).toBeCloseTo(200, 5);
      const whole: Rect[] = [];
      const stopWhole = watchSurface(host, null, (rect) => whole.push(rect));
      expect(whole[0]).toEqual({ left: 0, top: 0, width: 320, height: 100 });
      stop();
      stopWhole();
      const count = seen.length;
      host.style.width = '100px';
      video.style.height = '50px';
      await frames(3);
      expect(seen.length).toBe(count);
      host.remove();
    });
  });
});
