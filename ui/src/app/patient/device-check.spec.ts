import { TestBed } from '@angular/core/testing';
import { provideI18nTesting } from '../i18n/testing';
import { restoreDocumentAfterEach } from '../shared/testing';
import { DeviceCheck } from './device-check';

/** A camera stream the test hands out when it likes: a real video track (a canvas's) that says which device it is. */
function cameraStream(deviceId: string): MediaStream {
  const canvas = document.createElement('canvas');
  const stream = canvas.captureStream();
  const [track] = stream.getVideoTracks();
  spyOn(track!, 'getSettings').and.returnValue({ deviceId });
  return stream;
}

describe('DeviceCheck (the preview before the waiting room)', () => {
  restoreDocumentAfterEach();
  /** The getUserMedia calls not answered yet, in order, with the camera each asked for. */
  let pending: { camera: string; answer: (stream: MediaStream) => void }[];

  beforeEach(() => {
    pending = [];
    TestBed.configureTestingModule({ providers: [provideI18nTesting('fr-FR')] });
    spyOn(navigator.mediaDevices, 'getUserMedia').and.callFake((constraints?: MediaStreamConstraints) => {
      const video = constraints?.video;
      const camera = typeof video === 'object' ? String((video.deviceId as ConstrainDOMStringParameters | undefined)?.exact ?? '') : 'default';
      return new Promise<MediaStream>((answer) => pending.push({ camera, answer }));
    });
    spyOn(navigator.mediaDevices, 'enumerateDevices').and.resolveTo([
      { deviceId: 'cam-a', kind: 'videoinput', label: 'Caméra avant', groupId: 'a', toJSON: () => ({}) },
      { deviceId: 'cam-b', kind: 'videoinput', label: 'Caméra arrière', groupId: 'b', toJSON: () => ({}) },
    ]);
  });

  it('keeps the latest choice when an earlier preview opens after it, and lets that earlier camera go', async () => {
    const fixture = TestBed.createComponent(DeviceCheck);
    const chosen: (string | undefined)[] = [];
    fixture.componentInstance.chosen.subscribe((c) => chosen.push(c.cameraId));
    await fixture.whenStable();
    expect(pending.map((p) => p.camera)).toEqual(['default']);

    // The patient picks the back camera while the default one is still opening.
    fixture.componentInstance.chooseCamera('cam-b');
    await fixture.whenStable();
    expect(chosen).toEqual(['cam-b']);
    // One new preview for the choice (the first one is not started again).
    expect(pending.map((p) => p.camera)).toEqual(['default', 'cam-b']);

    const back = cameraStream('cam-b');
    pending[1]!.answer(back);
    await fixture.whenStable();
    const late = cameraStream('cam-a');
    pending[0]!.answer(late);
    await fixture.whenStable();
    await new Promise((resolve) => setTimeout(resolve));

    const preview = (fixture.nativeElement as HTMLElement).querySelector('video.preview') as HTMLVideoElement;
    expect(preview.srcObject).toBe(back);
    expect(late.getVideoTracks()[0]!.readyState).withContext('the late preview lets its camera go').toBe('ended');
    expect(back.getVideoTracks()[0]!.readyState).toBe('live');
    expect(chosen.at(-1)).toBe('cam-b');
    expect(pending.length).toBe(2);
  });

  it('lets go of a camera that opens after the patient has gone on', async () => {
    const fixture = TestBed.createComponent(DeviceCheck);
    await fixture.whenStable();
    fixture.destroy();
    const stream = cameraStream('cam-a');
    pending[0]!.answer(stream);
    await new Promise((resolve) => setTimeout(resolve));
    expect(stream.getVideoTracks()[0]!.readyState).toBe('ended');
  });
});
