import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Subject } from 'rxjs';
import type { ServerMessage } from '#protocol/live';
import { CallMedia } from '../live/call-media';
import { ConsultationClient } from '../live/consultation-client';
import { Documents } from '../live/documents/documents';
import { CameraCommands } from './camera-commands';

/** A camera of `width` × `height` made of a canvas (the browser's own camera has a size of its own). */
function canvasCamera(width: number, height: number): MediaStream {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#3a7';
  context.fillRect(0, 0, width, height);
  const stream = canvas.captureStream(10);
  // A canvas sends a frame once it was drawn after the capture started.
  const paint = setInterval(() => context.fillRect(0, 0, 1, 1), 50);
  stream.getVideoTracks()[0]!.addEventListener('ended', () => clearInterval(paint));
  return stream;
}

describe('CameraCommands: "Prendre une photo" on the patient\'s device', () => {
  let messages: Subject<ServerMessage>;
  let uploads: File[];
  let camera: MediaStream;

  function make(): CameraCommands {
    TestBed.configureTestingModule({
      providers: [
        CameraCommands,
        {
          provide: ConsultationClient,
          useValue: { socket: { messages$: messages }, driver: () => ({ listDevices: async () => [] }), send: () => undefined },
        },
        { provide: CallMedia, useValue: { localStream: signal(camera), microphoneMuted: signal(false), cameraMuted: signal(false) } },
        { provide: Documents, useValue: { upload: (file: File) => uploads.push(file) } },
      ],
    });
    const commands = TestBed.inject(CameraCommands);
    TestBed.tick();
    return commands;
  }

  async function photoSize(photoHeight?: number): Promise<{ width: number; height: number; type: string }> {
    const commands = make();
    messages.next({ type: 'camera', from: 'practitioner', command: 'photo', ...(photoHeight ? { photoHeight } : {}) });
    const deadline = Date.now() + 5000;
    while (uploads.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(commands.notice()?.key).toBe('remote.photo');
    const file = uploads[0]!;
    const bitmap = await createImageBitmap(file);
    return { width: bitmap.width, height: bitmap.height, type: file.type };
  }

  beforeEach(() => {
    messages = new Subject<ServerMessage>();
    uploads = [];
    camera = canvasCamera(1280, 720);
  });
  afterEach(() => camera.getTracks().forEach((track) => track.stop()));

  it("takes the camera's full resolution when the practitioner set none", async () => {
    expect(await photoSize()).toEqual({ width: 1280, height: 720, type: 'image/jpeg' });
  });

  it('keeps to the practitioner\'s "résolution photo", in the camera\'s proportions', async () => {
    expect(await photoSize(480)).toEqual({ width: 853, height: 480, type: 'image/jpeg' });
  });

  it('never enlarges a camera smaller than the resolution asked', async () => {
    expect(await photoSize(1080)).toEqual({ width: 1280, height: 720, type: 'image/jpeg' });
  });
});
