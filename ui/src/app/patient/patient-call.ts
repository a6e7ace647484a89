import { ChangeDetectionStrategy, Component, computed, effect, inject, output, signal, viewChild } from '@angular/core';
import { TranslatePipe } from '../i18n/i18n';
import { Icon } from '../shared/icon';
import { CallDrawing } from '../live/call-drawing';
import { CallMedia } from '../live/call-media';
import { CallState } from '../live/call-state';
import { CallStage } from '../live/call-stage';
import { Conversation } from '../live/chat/conversation';
import { ConversationPanel } from '../live/chat/conversation-panel';
import { ConsultationClient } from '../live/consultation-client';
import { ShareFileButton } from '../live/documents/share-file-button';
import { UploadList } from '../live/documents/upload-list';
import { CameraCommands } from './camera-commands';

/**
 * The patient's call, made for a phone held in one hand: the practitioner (or what they
 * share) full screen, our own picture small, and one bar at the bottom within reach of the
 * thumb: micro, caméra, "Messages" (with the unread count), "Partager un fichier",
 * "Dessiner", "Raccrocher". "Messages" opens the conversation over the lower part of the
 * picture, which stays visible above it.
 */
@Component({
  selector: 'tc-patient-call',
  imports: [TranslatePipe, Icon, CallStage, CallDrawing, ConversationPanel, ShareFileButton, UploadList],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="phone">
      <tc-call-stage class="stage" [peerName]="client.peerName()">
        <tc-call-drawing stage-overlay />
      </tc-call-stage>
      @if (messagesOpen()) {
        <section class="sheet" [attr.aria-label]="'tools.messages' | t" data-testid="messages-sheet">
          <div class="sheet-head">
            <h2>{{ 'tools.messages' | t }}</h2>
            <button type="button" (click)="messagesOpen.set(false)">{{ 'chat.close' | t }}</button>
          </div>
          <tc-conversation-panel class="sheet-body" [peerName]="client.peerName()" />
        </section>
      } @else {
        <tc-upload-list class="uploads" />
      }
      @if (commands.recording(); as kind) {
        <p class="recording-indicator" role="status" data-testid="recording-indicator">
          <span class="dot" aria-hidden="true"></span>{{ (kind === 'audio' ? 'remote.recordingAudio' : 'remote.recordingVideo') | t }}
        </p>
      }
      @if (commands.notice(); as notice) {
        <p class="remote-notice" role="status" data-testid="remote-notice">
          <span>{{ notice.key | t: notice.params }}</span>
          <button type="button" (click)="commands.dismiss()" [attr.aria-label]="'remote.dismiss' | t">✕</button>
        </p>
      }
      <div class="call-toolbar bar" role="toolbar" [attr.aria-label]="'patient.tools' | t">
        <button type="button" class="tool" [attr.aria-label]="(media.microphoneMuted() ? 'live.unmuteMic' : 'live.muteMic') | t" (click)="media.toggleMicrophone()">
          <tc-icon [name]="media.microphoneMuted() ? 'mic-off' : 'mic'" /><span>{{ 'live.microphone' | t }}</span>
        </button>
        <button type="button" class="tool" [attr.aria-label]="(media.cameraMuted() ? 'live.unmuteCamera' : 'live.muteCamera') | t" (click)="media.toggleCamera()">
          <tc-icon [name]="media.cameraMuted() ? 'camera-off' : 'camera'" /><span>{{ 'live.camera' | t }}</span>
        </button>
        <button type="button" class="tool" [attr.aria-pressed]="messagesOpen()" (click)="messagesOpen.set(!messagesOpen())">
          <tc-icon name="chat" /><span>{{ 'tools.messages' | t }}</span>
          @if (conversation.unread() > 0) {
            <span class="count" data-testid="unread-count" aria-hidden="true">{{ conversation.unread() }}</span>
            <span class="visually-hidden">{{ 'chat.unread' | t: { count: conversation.unread() } }}</span>
          }
        </button>
        <tc-share-file-button buttonClass="tool" label="short" />
        <button type="button" class="tool" [attr.aria-pressed]="drawingOpen()" (click)="drawing().toggle()">
          <tc-icon name="pencil" /><span>{{ 'tools.draw' | t }}</span>
        </button>
        <button type="button" class="tool danger" (click)="hangUp.emit()">
          <tc-icon name="hang-up" /><span>{{ 'live.hangUp' | t }}</span>
        </button>
      </div>
    </div>
  `,
  styles: `
    .phone { position: relative; display: flex; flex-direction: column; height: calc(100dvh - 9rem); min-height: 22rem; }
    @media (max-width: 40rem) { .phone { height: calc(100dvh - 5rem); } }
    .stage { flex: 1; min-height: 0; }
    .sheet { position: absolute; left: 0; right: 0; bottom: 4.5rem; height: 55%; display: flex; flex-direction: column; padding: var(--space-2) var(--space-3); background: var(--color-surface); border-radius: var(--radius) var(--radius) 0 0; box-shadow: 0 -4px 16px rgb(0 0 0 / 0.3); z-index: 5; }
    .sheet-head { display: flex; justify-content: space-between; align-items: center; }
    .sheet-head h2 { margin: 0; font-size: 1.125rem; }
    .sheet-body { flex: 1; min-height: 0; }
    .uploads { position: absolute; left: var(--space-2); right: var(--space-2); bottom: 5rem; z-index: 5; background: var(--color-surface); border-radius: var(--radius); }
    .bar { flex-wrap: nowrap; justify-content: space-between; gap: 2px; padding: var(--space-1) 0 0; }
    .bar .tool { flex: 1 1 0; min-width: 0; padding: var(--space-1) 1px; font-size: 0.6875rem; }
    .remote-notice { position: absolute; left: var(--space-2); right: var(--space-2); top: var(--space-2); z-index: 6; display: flex; align-items: center; gap: var(--space-2); margin: 0; padding: var(--space-2) var(--space-3); border-radius: var(--radius); background: var(--color-surface); box-shadow: 0 2px 8px rgb(0 0 0 / 0.3); }
    .remote-notice span { flex: 1; }
    .recording-indicator { position: absolute; left: var(--space-2); bottom: 5rem; z-index: 6; margin: 0; padding: var(--space-1) var(--space-2); border-radius: var(--radius); background: #b3261e; color: #fff; font-size: 0.875rem; display: flex; align-items: center; gap: var(--space-1); }
    .dot { width: 0.625rem; height: 0.625rem; border-radius: 50%; background: #fff; }
    .count { position: absolute; top: 2px; right: 6px; min-width: 1.25rem; padding: 0 0.3em; border-radius: 1em; background: var(--color-danger); color: #fff; font-size: 0.75rem; line-height: 1.25rem; }
  `,
})
export class PatientCall {
  /** "Raccrocher". */
  readonly hangUp = output<void>();
  protected readonly client = inject(ConsultationClient);
  protected readonly media = inject(CallMedia);
  protected readonly conversation = inject(Conversation);
  protected readonly commands = inject(CameraCommands);
  protected readonly drawing = viewChild.required(CallDrawing);
  protected readonly messagesOpen = signal(false);
  protected readonly drawingOpen = computed(() => this.drawing().open());

  constructor() {
    inject(CallState).load();
    effect(() => this.conversation.setVisible(this.messagesOpen()));
  }
}
