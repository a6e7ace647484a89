import type { PatientMediaState } from '#protocol/live';
import { useAppWithHub } from '../support/harness.ts';
import { useLivePairs } from './live-helpers.ts';

describe("live commands to the patient's camera and microphone", () => {
  const { t, hub } = useAppWithHub();
  const { pair, connect, admitted } = useLivePairs(t, hub);
  const state: PatientMediaState = { microphone: false, video: true, cameras: 3, facing: 'environment', zoom: { mode: 'camera', level: 2, max: 4 } };

  it("takes commands from the practitioner to the patient, and the patient's state back to the practitioner only", async () => {
    const { practitioner, patient } = await admitted(await pair());
    practitioner.send({ type: 'camera', command: 'mute-audio' });
    expect(await patient.next('camera')).toEqual({ type: 'camera', from: 'practitioner', command: 'mute-audio' });
    patient.send({ type: 'camera-state', state });
    expect(await practitioner.next('camera-state')).toEqual({ type: 'camera-state', from: 'patient', state });
    await patient.sync();
    expect(patient.all('camera-state')).toEqual([]);
  });

  it('carries the practitioner\'s "résolution photo" with "Prendre une photo", and refuses one out of range', async () => {
    const { practitioner, patient } = await admitted(await pair());
    practitioner.send({ type: 'camera', command: 'photo', photoHeight: 1080 });
    expect(await patient.next('camera')).toEqual({ type: 'camera', from: 'practitioner', command: 'photo', photoHeight: 1080 });
    for (const photoHeight of [100, 10_000, 720.5, '1080']) {
      practitioner.send({ type: 'camera', command: 'photo', photoHeight } as Record<string, unknown>);
      expect((await practitioner.next('error')).code).withContext(String(photoHeight)).toBe('MESSAGE_INVALID');
    }
    await patient.sync();
    expect(patient.all('camera').length).toBe(1);
  });

  it("tells the patient the practitioner records, and refuses a recording notice from the patient", async () => {
    const { practitioner, patient } = await admitted(await pair());
    practitioner.send({ type: 'recording', active: true, kind: 'video' });
    expect(await patient.next('recording')).toEqual({ type: 'recording', from: 'practitioner', active: true, kind: 'video' });
    patient.send({ type: 'recording', active: false });
    expect((await patient.next('error')).code).toBe('NOT_ALLOWED');
    await practitioner.sync();
    expect(practitioner.all('recording')).toEqual([]);
  });

  it('refuses a state from the practitioner, a malformed or out-of-range state, and both before the patient is let in', async () => {
    const p = await pair();
    const practitioner = await connect(p, 'practitioner');
    const patient = await connect(p, 'patient');
    patient.send({ type: 'knock' });
    await practitioner.next('presence', (m) => m.presence.patient === 'waiting');
    practitioner.send({ type: 'camera', command: 'switch' });
    patient.send({ type: 'camera-state', state });
    expect((await patient.next('error')).code).toBe('NOT_ADMITTED');
    await practitioner.sync();
    await patient.sync();
    expect(patient.all('camera')).toEqual([]);
    expect(practitioner.all('camera-state')).toEqual([]);
    practitioner.send({ type: 'admit' });
    await patient.next('admitted');
    practitioner.send({ type: 'camera-state', state });
    expect((await practitioner.next('error')).code).toBe('NOT_ALLOWED');
    for (const bad of [{ ...state, zoom: { mode: 'camera', level: 0.5, max: 4 } }, { ...state, cameras: -1 }, { ...state, refused: 'because' }, { ...state, extra: 1 }]) {
      patient.send({ type: 'camera-state', state: bad } as Record<string, unknown>);
      expect((await patient.next('error')).code).toBe('MESSAGE_INVALID');
    }
    practitioner.send({ type: 'camera', command: 'zoom', value: 200 } as Record<string, unknown>);
    expect((await practitioner.next('error')).code).toBe('MESSAGE_INVALID');
    await practitioner.sync();
    expect(practitioner.all('camera-state')).toEqual([]);
  });
});
