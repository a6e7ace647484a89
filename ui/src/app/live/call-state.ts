import { Injectable, inject } from '@angular/core';
import type { Provider } from '@angular/core';
import { CallMedia } from './call-media';
import { Conversation } from './chat/conversation';
import { ConsultationClient } from './consultation-client';
import { Documents } from './documents/documents';
import { DrawingSession } from './drawing/drawing-session';
import { LiveSocket } from './live-socket';

/**
 * The state of a page's consultation and call, shared by both pages: the live socket, the
 * consultation, the media, the conversation, the documents and the drawing. Made with the page
 * (injecting this makes them all), not with the call's screens, which may load later: each
 * follows the live socket and the driver from their first message, so that none misses the
 * first remote track or the drawing sent on (re)connection.
 */
@Injectable()
export class CallState {
  readonly client = inject(ConsultationClient);
  readonly media = inject(CallMedia);
  readonly conversation = inject(Conversation);
  readonly documents = inject(Documents);
  readonly drawing = inject(DrawingSession);

  /** The call's screens are shown: loads the conversation and the documents so far. */
  load(): void {
    this.conversation.load();
    this.documents.load();
  }
}

/** The providers of {@link CallState}, one of each per page. */
export function provideCallState(): Provider[] {
  return [LiveSocket, ConsultationClient, CallMedia, Conversation, Documents, DrawingSession, CallState];
}
