import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { Role } from '#protocol/live';
import { provideApiTesting } from '../../shared/testing';
import { FakeConsultation, provideFakeConsultation } from '../drawing/testing';
import { Conversation } from './conversation';

/** The consultation as the conversation sees it: an id and a role besides the socket. */
class FakeClient extends FakeConsultation {
  readonly teleconsultationId = 'tc_1';
  constructor(readonly role: Role) {
    super(role);
  }
}

const doc = (id: string, from: Role, at: string) => ({ id, name: `${id}.pdf`, size: 10, contentType: 'application/pdf', from, at });

describe('Conversation', () => {
  let client: FakeClient;
  let conversation: Conversation;
  let backend: HttpTestingController;

  beforeEach(() => {
    client = new FakeClient('patient');
    TestBed.configureTestingModule({ providers: [...provideApiTesting(), provideFakeConsultation(client), Conversation] });
    conversation = TestBed.inject(Conversation);
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  it('merges the transcript and the live messages in time order, each once', () => {
    client.receive({ type: 'chat', from: 'practitioner', id: 'm2', text: 'deux', at: '2026-06-15T08:32:00Z' });
    conversation.load();
    backend.expectOne('/api/live/tc_1/patient/conversation').flush({
      entries: [
        { kind: 'message', id: 'm1', from: 'patient', text: 'un', at: '2026-06-15T08:31:00Z' },
        { kind: 'message', id: 'm2', from: 'practitioner', text: 'deux', at: '2026-06-15T08:32:00Z' },
      ],
    });
    client.receive({ type: 'document', document: doc('d1', 'practitioner', '2026-06-15T08:33:00Z') });
    client.receive({ type: 'document', document: doc('d1', 'practitioner', '2026-06-15T08:33:00Z') });
    expect(conversation.entries().map((e) => e.id)).toEqual(['m1', 'm2', 'd1']);
    expect(conversation.documents().map((d) => d.name)).toEqual(['d1.pdf']);
  });

  it("counts the other side's entries while hidden, not ours, and clears the count when shown", () => {
    client.receive({ type: 'chat', from: 'practitioner', id: 'm1', text: 'a', at: '2026-06-15T08:31:00Z' });
    client.receive({ type: 'chat', from: 'patient', id: 'm2', text: 'b', at: '2026-06-15T08:32:00Z' });
    client.receive({ type: 'document', document: doc('d1', 'practitioner', '2026-06-15T08:33:00Z') });
    expect(conversation.unread()).toBe(2);
    conversation.setVisible(true);
    expect(conversation.unread()).toBe(0);
    client.receive({ type: 'chat', from: 'practitioner', id: 'm3', text: 'c', at: '2026-06-15T08:34:00Z' });
    expect(conversation.unread()).toBe(0);
  });

  it('sends a trimmed message with a client id, shows it as on its way until the echo, and says when it cannot leave', () => {
    expect(conversation.send('   ')).toBeFalse();
    expect(conversation.send('  Bonjour  ')).toBeTrue();
    const sent = client.sent[0] as { type: string; text: string; clientId: string };
    expect(sent.type).toBe('chat');
    expect(sent.text).toBe('Bonjour');
    expect(conversation.sending()).toEqual(['Bonjour']);
    client.receive({ type: 'chat', from: 'patient', id: 'm1', text: 'Bonjour', at: '2026-06-15T08:31:00Z', clientId: sent.clientId });
    expect(conversation.sending()).toEqual([]);
    expect(conversation.entries().length).toBe(1);
    client.connected = false;
    expect(conversation.send('perdu')).toBeFalse();
    expect(conversation.sending()).toEqual([]);
  });
});
