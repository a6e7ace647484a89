import { Throttle } from './throttle';

describe('Throttle', () => {
  let runs: number[];
  let throttle: Throttle;

  beforeEach(() => {
    jasmine.clock().install();
    jasmine.clock().mockDate(new Date('2026-06-15T08:30:00Z'));
    runs = [];
    const start = Date.now();
    throttle = new Throttle(50, () => runs.push(Date.now() - start));
  });
  afterEach(() => jasmine.clock().uninstall());

  it('runs at once when idle, then once at the end of the interval however many requests came', () => {
    throttle.request();
    expect(runs).toEqual([0]);
    for (let t = 0; t < 4; t++) {
      jasmine.clock().tick(10);
      throttle.request();
    }
    expect(runs).toEqual([0]);
    jasmine.clock().tick(10);
    expect(runs).toEqual([0, 50]);
    expect(throttle.scheduled).toBeFalse();
    jasmine.clock().tick(100);
    throttle.request();
    expect(runs).toEqual([0, 50, 150]);
  });

  it('never runs more than 20 times a second under a request every 5 ms', () => {
    for (let t = 0; t < 200; t++) {
      throttle.request();
      jasmine.clock().tick(5);
    }
    expect(runs.length).toBeLessThanOrEqual(21);
    expect(runs.length).toBeGreaterThanOrEqual(19);
    runs.slice(1).forEach((at, i) => expect(at - runs[i]!).toBeGreaterThanOrEqual(50));
  });

  it('runNow runs at once and replaces the scheduled run; cancel forgets it', () => {
    throttle.request();
    throttle.request();
    expect(throttle.scheduled).toBeTrue();
    jasmine.clock().tick(20);
    throttle.runNow();
    expect(runs).toEqual([0, 20]);
    jasmine.clock().tick(100);
    expect(runs).toEqual([0, 20]);
    throttle.request();
    jasmine.clock().tick(1);
    throttle.request();
    throttle.cancel();
    jasmine.clock().tick(100);
    expect(runs).toEqual([0, 20, 120]);
  });
});
