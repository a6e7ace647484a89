import { TRANSITIONS } from './lifecycle.ts';

describe('the teleconsultation lifecycle', () => {
  it('moves forward through the call; from the end, only back into the call (a patient who hung up by mistake)', () => {
    expect(TRANSITIONS.scheduled).toEqual(jasmine.arrayContaining(['waiting', 'in_progress', 'ended', 'cancelled']));
    expect(TRANSITIONS.waiting).toEqual(jasmine.arrayContaining(['in_progress', 'ended', 'cancelled']));
    expect(TRANSITIONS.waiting).not.toContain('scheduled');
    expect(TRANSITIONS.in_progress).not.toContain('waiting');
    expect(TRANSITIONS.in_progress).not.toContain('scheduled');
    for (const status of ['scheduled', 'waiting'] as const) expect(TRANSITIONS.ended).not.toContain(status);
    expect(TRANSITIONS.ended).toContain('in_progress');
  });

  it('lets only the agenda revive a cancelled teleconsultation, as scheduled', () => {
    expect(TRANSITIONS.cancelled).toContain('scheduled');
    expect(TRANSITIONS.cancelled).not.toContain('waiting');
    expect(TRANSITIONS.cancelled).not.toContain('in_progress');
  });
});
