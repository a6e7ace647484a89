/**
 * The teleconsultation as the rest of the connector sees it, and the changes that its
 * lifecycle (lifecycle.ts) tells its subscribers about.
 */
import type { Tx } from '../db/client.ts';
import type { Actor, LinkRole, teleconsultations, TeleconsultationStatus } from '../db/schema/index.ts';

export type { Actor, TeleconsultationStatus };

/** A participant's session as an actor: named by the start of its stored hash, never its id. */
export function sessionActor(role: LinkRole, sessionHash: string): Actor {
  return { kind: role, session: sessionHash.slice(0, 16) };
}

/** One teleconsultation row. */
export type Teleconsultation = typeof teleconsultations.$inferSelect;

/** What happened to a teleconsultation, for subscribers that plan follow-up work. */
export type TeleconsultationChange =
  | { kind: 'created'; teleconsultation: Teleconsultation }
  | { kind: 'updated'; teleconsultation: Teleconsultation; previous: Teleconsultation; moved: boolean }
  /** A move within the call (scheduled → waiting → in progress). */
  | { kind: 'status'; teleconsultation: Teleconsultation; previous: Teleconsultation }
  | { kind: 'cancelled'; teleconsultation: Teleconsultation; previous: Teleconsultation; reason: string }
  | { kind: 'ended'; teleconsultation: Teleconsultation; previous: Teleconsultation };

/**
 * Called inside the transaction of the change; throwing rolls the change back. `many`, when
 * a listener has it, does the same for several changes of one transaction at once (a page
 * of reconciliation) in fewer round trips; without it the listener is called for each.
 */
export type ChangeListener = ((tx: Tx, change: TeleconsultationChange) => Promise<void>) & {
  many?: (tx: Tx, changes: TeleconsultationChange[]) => Promise<void>;
};
