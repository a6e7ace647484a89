/**
 * The fan-out of live events: one bus channel per teleconsultation; each instance listens
 * on the channels of the teleconsultations it has sockets for and hands every event to
 * those sockets. The database stays the truth: an event lost here costs a refresh.
 */
import type { Logger } from 'pino';
import type { LiveBus } from './bus.ts';
import type { Role, ServerMessage } from '#protocol/live';

/** What travels on a teleconsultation's channel between instances. */
export type LiveBusEvent =
  /** A message for the sockets of these roles (except the connection `skip`). */
  | { kind: 'deliver'; to: Role[]; message: ServerMessage; skip?: string }
  /** A participant connected again: their older connections close (another tab took over). */
  | { kind: 'takeover'; role: Role; connectionId: string }
  /** Sessions may have been revoked or the teleconsultation cancelled: check again. */
  | { kind: 'recheck' };

/** One socket of this instance, as the hub sees it. */
export interface LocalConnection {
  readonly id: string;
  readonly teleconsultationId: string;
  readonly role: Role;
  /** The hash of the session behind the socket, once checked. */
  readonly sessionHash: string | undefined;
  onBusEvent(event: LiveBusEvent): void;
  /** Closes the socket with a WebSocket close code. */
  close(code: number, reason: string): void;
}

/** The bus channel of a teleconsultation. */
export function liveChannel(teleconsultationId: string): string {
  return `live:${teleconsultationId}`;
}

/** Sends a server message to both pages of a teleconsultation, on every instance. */
export async function publishToTeleconsultation(bus: LiveBus, teleconsultationId: string, message: ServerMessage): Promise<void> {
  await bus.publish(liveChannel(teleconsultationId), { kind: 'deliver', to: ['practitioner', 'patient'], message } satisfies LiveBusEvent);
}

function isBusEvent(value: unknown): value is LiveBusEvent {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'deliver' || kind === 'takeover' || kind === 'recheck';
}

interface Room {
  connections: Set<LocalConnection>;
  subscribed: Promise<() => Promise<void>>;
}

/** This instance's sockets, grouped by teleconsultation, wired to the bus. */
export class LiveHub {
  private readonly rooms = new Map<string, Room>();

  constructor(private readonly bus: LiveBus, private readonly log: Logger) {}

  /** Adds a socket; resolves once its channel is listened to (so nothing published after is missed). */
  async attach(connection: LocalConnection): Promise<void> {
    const id = connection.teleconsultationId;
    let room = this.rooms.get(id);
    if (!room) {
      const fresh: Room = { connections: new Set(), subscribed: this.bus.subscribe(liveChannel(id), (m) => this.dispatch(fresh, m)) };
      room = fresh;
      this.rooms.set(id, room);
    }
    room.connections.add(connection);
    await room.subscribed;
  }

  /** Removes a socket; the channel is left when its last socket goes. */
  async detach(connection: LocalConnection): Promise<void> {
    const id = connection.teleconsultationId;
    const room = this.rooms.get(id);
    if (!room || !room.connections.delete(connection) || room.connections.size > 0) return;
    this.rooms.delete(id);
    try {
      await (await room.subscribed)();
    } catch (err) {
      this.log.warn({ err: { message: (err as Error).message }, teleconsultationId: id }, 'live channel unsubscribe failed');
    }
  }

  /** Publishes an event to every instance's sockets of a teleconsultation. */
  async publish(teleconsultationId: string, event: LiveBusEvent): Promise<void> {
    await this.bus.publish(liveChannel(teleconsultationId), event);
  }

  /** Every socket of this instance. */
  connections(): LocalConnection[] {
    return [...this.rooms.values()].flatMap((r) => [...r.connections]);
  }

  private dispatch(room: Room, message: unknown): void {
    if (!isBusEvent(message)) return;
    for (const c of [...room.connections]) {
      try {
        c.onBusEvent(message);
      } catch (err) {
        this.log.error({ err, connectionId: c.id }, 'live event delivery failed');
      }
    }
  }
}
