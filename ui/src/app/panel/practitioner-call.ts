import { ChangeDetectionStrategy, Component, computed, effect, inject, output, signal, viewChild } from '@angular/core';
import { TranslatePipe } from '../i18n/i18n';
import { Icon } from '../shared/icon';
import { CallMedia } from '../live/call-media';
import { CallState } from '../live/call-state';
import { CallStage } from '../live/call-stage';
import { Conversation } from '../live/chat/conversation';
import { ConversationPanel } from '../live/chat/conversation-panel';
import { ConsultationClient } from '../live/consultation-client';
import { DocumentsList } from '../live/documents/documents-list';
import { ShareFileButton } from '../live/documents/share-file-button';
import { CallDrawing } from '../live/call-drawing';
import { LOCAL_FILE_ACCEPT, LocalFile, LocalFileView } from './local-file';
import { PatientCamera, PatientCameraControls } from './patient-camera';
import { RecordingControls, RecordingStatus } from './recording';
import { SettingsDialog } from './settings';

type Tab = 'patient' | 'messages' | 'documents';
const TABS: readonly Tab[] = ['patient', 'messages', 'documents'];

/**
 * The practitioner's call: the stage (the patient large, or what is shared), the tool bar
 * under it (own microphone and camera, "Partage d'écran", "Fichier", "Partager un fichier",
 * "Partager le pointeur", "Dessiner", and "Raccrocher" apart), and the right-hand panel with
 * its tabs: the patient (with "€ Facture", projected by the page as `[patient-card]`),
 * "Messages" (with the unread count) and "Documents".
 */
@Component({
  selector: 'tc-practitioner-call',
  imports: [TranslatePipe, Icon, CallStage, ConversationPanel, DocumentsList, ShareFileButton, LocalFileView, CallDrawing, PatientCameraControls, RecordingControls, RecordingStatus, SettingsDialog],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="layout">
      <div class="main">
        <tc-call-stage class="stage" [peerName]="client.peerName()" [pageMain]="localFile.opened() !== null"
          [zoom]="patientCamera.digitalZoom()" [pan]="patientCamera.pan()" (panned)="patientCamera.panTo($event.x, $event.y)">
          <tc-local-file stage-main />
          <tc-call-drawing stage-overlay [pointerSharing]="pointerSharing()" />
        </tc-call-stage>
        <div class="call-toolbar" role="toolbar" [attr.aria-label]="'live.controls' | t">
          <button type="button" class="tool" (click)="media.toggleMicrophone()">
            <tc-icon [name]="media.microphoneMuted() ? 'mic-off' : 'mic'" />
            <span>{{ (media.microphoneMuted() ? 'live.unmuteMic' : 'live.muteMic') | t }}</span>
          </button>
          <button type="button" class="tool" (click)="media.toggleCamera()">
            <tc-icon [name]="media.cameraMuted() ? 'camera-off' : 'camera'" />
            <span>{{ (media.cameraMuted() ? 'live.unmuteCamera' : 'live.muteCamera') | t }}</span>
          </button>
          <button type="button" class="tool" [attr.aria-pressed]="media.sharing()" (click)="toggleScreenShare()">
            <tc-icon name="screen" /><span>{{ 'tools.screenShare' | t }}</span>
          </button>
          <button type="button" class="tool" [attr.aria-pressed]="localFile.opened() !== null" (click)="filePicker.click()">
            <tc-icon name="folder" /><span>{{ 'tools.openFile' | t }}</span>
          </button>
          <input #filePicker type="file" hidden [attr.accept]="localFileAccept" data-testid="open-file-input" (change)="openLocalFile(filePicker)" />
          <tc-share-file-button buttonClass="tool" />
          <button type="button" class="tool" [attr.aria-pressed]="pointerSharing()" (click)="pointerSharing.set(!pointerSharing())">
            <tc-icon name="pointer" /><span>{{ 'tools.pointer' | t }}</span>
          </button>
          <button type="button" class="tool" [attr.aria-pressed]="drawingOpen()" (click)="toggleDrawing()">
            <tc-icon name="pencil" /><span>{{ 'tools.draw' | t }}</span>
          </button>
          <tc-recording-controls />
          <tc-patient-camera-controls />
          <tc-settings />
          <button type="button" class="tool danger hang-up" (click)="hangUp.emit()">
            <tc-icon name="hang-up" /><span>{{ 'live.hangUp' | t }}</span>
          </button>
        </div>
        <div class="notices" aria-live="polite">
          <tc-recording-status />
          @if (media.screenError()) {
            <p class="notice" role="status">{{ 'screen.failed' | t }}</p>
          }
          @if (localFile.refused()) {
            <p class="notice" role="status">{{ 'file.unsupported' | t }}</p>
          }
          @if (pointerSharing() && !pointerSurface()) {
            <p class="notice" role="status">{{ 'tools.pointerNeedsSurface' | t }}</p>
          }
        </div>
      </div>
      <aside class="side" [attr.aria-label]="'side.label' | t">
        <div class="tabs" role="tablist" [attr.aria-label]="'side.label' | t" (keydown)="moveTab($event)">
          @for (tab of tabs; track tab) {
            <button type="button" role="tab" [id]="'tab-' + tab" [attr.aria-controls]="'tabpanel-' + tab"
              [attr.aria-selected]="selected() === tab" [attr.tabindex]="selected() === tab ? 0 : -1" (click)="select(tab)">
              {{ tabLabels[tab] | t }}
              @if (tab === 'messages' && conversation.unread() > 0) {
                <span class="count" data-testid="unread-count" [attr.aria-label]="'chat.unread' | t: { count: conversation.unread() }">{{ conversation.unread() }}</span>
              }
            </button>
          }
        </div>
        <div role="tabpanel" id="tabpanel-patient" aria-labelledby="tab-patient" [hidden]="selected() !== 'patient'" class="tabpanel">
          <p class="patient-name">{{ client.peerName() }}</p>
          <p class="appointment">{{ client.appointmentDate() }}</p>
          <ng-content select="[patient-card]" />
        </div>
        <div role="tabpanel" id="tabpanel-messages" aria-labelledby="tab-messages" [hidden]="selected() !== 'messages'" class="tabpanel">
          <tc-conversation-panel [peerName]="client.peerName()" />
        </div>
        <div role="tabpanel" id="tabpanel-documents" aria-labelledby="tab-documents" [hidden]="selected() !== 'documents'" class="tabpanel">
          <tc-documents-list [peerName]="client.peerName()" />
        </div>
      </aside>
    </div>
  `,
  styles: `
    .layout { display: grid; grid-template-columns: minmax(0, 1fr) minmax(18rem, 24rem); gap: var(--space-3); align-items: start; }
    @media (max-width: 56rem) { .layout { grid-template-columns: 1fr; } }
    .main { display: flex; flex-direction: column; gap: var(--space-2); min-width: 0; }
    .stage { height: min(70dvh, 48rem); }
    .side { border: 1px solid var(--color-border); border-radius: var(--radius); background: var(--color-surface); display: flex; flex-direction: column; max-height: min(80dvh, 56rem); min-height: 24rem; }
    .tabs { display: flex; border-bottom: 1px solid var(--color-border); }
    .tabs button { flex: 1; border: 0; border-radius: 0; background: transparent; color: var(--color-text); border-bottom: 3px solid transparent; }
    .tabs button[aria-selected='true'] { border-bottom-color: var(--color-accent); font-weight: 600; }
    .tabpanel { padding: var(--space-3); overflow: auto; flex: 1; display: flex; flex-direction: column; min-height: 0; }
    .tabpanel[hidden] { display: none; }
    .patient-name { font-size: 1.25rem; font-weight: 600; margin: 0; }
    .appointment { color: var(--color-text-muted); margin-top: 0; }
    .count { display: inline-block; min-width: 1.5em; padding: 0 0.4em; margin-left: var(--space-1); border-radius: 1em; background: var(--color-danger); color: #fff; font-size: 0.75rem; line-height: 1.5; }
    .notices p { margin: 0; }
    .notice { color: var(--color-text-muted); }
  `,
})
export class PractitionerCall {
  /** "Raccrocher". */
  readonly hangUp = output<void>();
  protected readonly client = inject(ConsultationClient);
  protected readonly media = inject(CallMedia);
  protected readonly conversation = inject(Conversation);
  protected readonly localFile = inject(LocalFile);
  protected readonly patientCamera = inject(PatientCamera);
  private readonly drawing = viewChild.required(CallDrawing);
  protected readonly tabs = TABS;
  protected readonly tabLabels = { patient: 'side.patient', messages: 'side.messages', documents: 'side.documents' } as const;
  protected readonly localFileAccept = LOCAL_FILE_ACCEPT;
  protected readonly selected = signal<Tab>('patient');
  /** "Partager le pointeur" is on. */
  protected readonly pointerSharing = signal(false);
  protected readonly drawingOpen = computed(() => this.drawing().open());
  /** The pointer has something to point at: a shared screen or the drawing's page. */
  protected readonly pointerSurface = computed(() => this.media.somethingShared() || this.drawing().open());

  constructor() {
    inject(CallState).load();
    effect(() => this.conversation.setVisible(this.selected() === 'messages'));
  }

  /** Shows a tab of the right-hand panel. */
  select(tab: Tab): void {
    this.selected.set(tab);
  }

  /** Arrow keys move between tabs (WAI-ARIA tabs pattern). */
  protected moveTab(event: KeyboardEvent): void {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = TABS[(TABS.indexOf(this.selected()) + step + TABS.length) % TABS.length]!;
    this.select(next);
    (event.currentTarget as HTMLElement).querySelector<HTMLElement>(`#tab-${next}`)?.focus();
  }

  /** "Partage d'écran": starts or stops sharing. */
  protected async toggleScreenShare(): Promise<void> {
    if (this.media.sharing()) await this.media.stopScreenShare();
    else await this.media.startScreenShare();
  }

  /** "Dessiner": opens the drawing for both sides (over what is shared, else on a blank page), or closes it. */
  protected toggleDrawing(): void {
    this.drawing().toggle();
  }

  protected openLocalFile(input: HTMLInputElement): void {
    const file = input.files?.[0];
    if (file) this.localFile.open(file);
    input.value = '';
  }
}
