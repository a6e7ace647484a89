/**
 * A stand-in for the connector's live hub in the p2p driver's browser specs: the waiting room
 * (knock / admit / deny) and signal relay between two pages, speaking the live protocol's
 * messages. Deliveries to a page keep their order.
 */
import type { Page } from 'playwright-core';
import type { ClientMessage, Presence, Role, ServerMessage } from '#protocol/live';

export class WaitingRoomRelay {
  readonly presence: Presence = { practitioner: 'online', patient: 'absent', waitingSince: null };
  /** Every client message, as received (for assertions). */
  readonly received: { from: Role; message: ClientMessage }[] = [];
  private readonly pages = new Map<Role, { page: Page; queue: Promise<unknown> }>();

  /** Connects a page and sends it the `state` message, as the connector does on connect. */
  attach(role: Role, page: Page): void {
    this.pages.set(role, { page, queue: Promise.resolve() });
    this.deliver(role, {
      type: 'state',
      you: { role },
      teleconsultation: { id: 'tc_1', status: 'scheduled', startsAt: new Date().toISOString(), durationMinutes: 20, practitionerName: 'Dr Claire Dubois', patientName: 'Camille M.', timezone: 'Europe/Paris', endedBy: null, startedAt: null, endedAt: null, callClosesAt: new Date(Date.now() + 86_400_000).toISOString() },
      waiting: { delayMinutes: null, delayedAt: null, practitionerBusy: false, deniedMessage: null },
      presence: { ...this.presence },
      media: { driver: 'p2p', iceServers: [] },
    });
  }

  /** A client message from `from`'s page. */
  receive(from: Role, json: string): void {
    const message = JSON.parse(json) as ClientMessage;
    this.received.push({ from, message });
    const other: Role = from === 'patient' ? 'practitioner' : 'patient';
    switch (message.type) {
      case 'knock':
        if (from === 'patient' && (this.presence.patient === 'absent' || this.presence.patient === 'denied')) {
          this.presence.patient = 'waiting';
          this.presence.waitingSince = new Date().toISOString();
          this.broadcastPresence();
        }
        break;
      case 'admit':
      case 'deny':
        if (from === 'practitioner' && this.presence.patient === 'waiting') {
          this.presence.patient = message.type === 'admit' ? 'admitted' : 'denied';
          this.deliver('patient', { type: message.type === 'admit' ? 'admitted' : 'denied' });
          this.broadcastPresence();
        }
        break;
      case 'signal':
        this.deliver(other, { type: 'signal', from, data: message.data });
        break;
      default:
        break;
    }
  }

  private broadcastPresence(): void {
    for (const role of this.pages.keys()) this.deliver(role, { type: 'presence', presence: { ...this.presence } });
  }

  private deliver(role: Role, message: ServerMessage): void {
    const entry = this.pages.get(role);
    if (!entry) return;
    const json = JSON.stringify(message);
    entry.queue = entry.queue
      .then(() => entry.page.evaluate((m) => (window as unknown as { tcDeliver(json: string): void }).tcDeliver(m), json))
      .catch(() => undefined); // the page closed: messages to it are lost, as on a dropped socket
  }
}
