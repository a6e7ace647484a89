/**
 * What both drivers share about screen sharing: checking a given track, reading a browser's
 * capture failure, and hearing the browser's own "Stop sharing".
 */
import { ConferenceError } from './conference.ts';

/** `track` if it can be shared (a live video track); otherwise a `SCREEN_TRACK_INVALID` error. */
export function shareableTrack(track: MediaStreamTrack): MediaStreamTrack {
  if (track.kind !== 'video' || track.readyState !== 'live') {
    throw new ConferenceError('SCREEN_TRACK_INVALID', `Only a live video track can be shared (got ${track.kind}, ${track.readyState})`);
  }
  return track;
}

/**
 * A `getDisplayMedia()` failure in our words. Browsers reject with NotAllowedError both when the
 * user closes the picker and when the permission is refused
 * (https://w3c.github.io/mediacapture-screen-share/#dom-mediadevices-getdisplaymedia): the page
 * treats both as "not shared".
 */
export function displayCaptureError(error: unknown): ConferenceError {
  if (error instanceof ConferenceError) return error;
  // DOMException inherits from Error (https://webidl.spec.whatwg.org/#es-DOMException-specialness).
  if (error instanceof Error && error.name === 'NotAllowedError') return new ConferenceError('SCREEN_SHARE_CANCELLED', 'The screen was not shared', { cause: error });
  return new ConferenceError('SCREEN_CAPTURE_FAILED', 'The screen could not be captured', { cause: error });
}

/** Calls `stop` when the browser ends `track` (its "Stop sharing" button); returns the function that stops listening. */
export function whenEnded(track: MediaStreamTrack, stop: () => void): () => void {
  const listener = () => stop();
  track.addEventListener('ended', listener);
  return () => track.removeEventListener('ended', listener);
}
