/**
 * The shared drawing ("Dessiner"): every stroke and text either side draws is kept, in
 * order, so that a reload or a patient who rejoins gets the current drawing; "effacer tout"
 * deletes them. Kept for the consultation, purged with its other data (retention).
 */
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { drawingOperations, drawings, teleconsultations, type LinkRole } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import type { PurgeableData } from '../retention/purge.ts';
import { MAX_DRAWING_OPERATIONS, type DrawingSurface, type DrawnOperation, type DrawOperation } from '#protocol/live';

/** The drawing as a (re)connecting page receives it. */
export interface DrawingSnapshot {
  surface: DrawingSurface;
  operations: DrawnOperation[];
}

/**
 * Records one operation of `sender` on the drawing of a teleconsultation, in one
 * transaction: a stroke or text is added unless the drawing is full (`DRAWING_FULL`),
 * `clear` empties it, `board` moves the layer. Refused once the consultation has ended or
 * was cancelled (`TELECONSULTATION_ENDED` / `TELECONSULTATION_CANCELLED`): nothing is kept then.
 */
export async function recordDrawOperation(db: Db, input: { teleconsultationId: string; sender: LinkRole; op: DrawOperation; now: Date }): Promise<void> {
  const { teleconsultationId, op, now } = input;
  await db.transaction(async (tx) => {
    const [t] = await tx.select({ status: teleconsultations.status }).from(teleconsultations).where(eq(teleconsultations.id, teleconsultationId));
    if (!t || t.status === 'cancelled') throw new AppError('TELECONSULTATION_CANCELLED', 'The teleconsultation was cancelled.');
    if (t.status === 'ended') throw new AppError('TELECONSULTATION_ENDED', 'The teleconsultation has ended: the drawing is closed.');
    await tx.insert(drawings).values({ teleconsultationId }).onConflictDoNothing();
    switch (op.action) {
      case 'board':
        await tx.update(drawings).set({ surface: op.surface, updatedAt: now }).where(eq(drawings.teleconsultationId, teleconsultationId));
        return;
      case 'clear':
        await tx.delete(drawingOperations).where(eq(drawingOperations.teleconsultationId, teleconsultationId));
        await tx.update(drawings).set({ operations: 0, updatedAt: now }).where(eq(drawings.teleconsultationId, teleconsultationId));
        return;
      default: {
        // The count is checked and raised in one statement, so two pages drawing at once cannot overshoot it.
        const counted = await tx.update(drawings).set({ operations: sql`${drawings.operations} + 1`, updatedAt: now })
          .where(and(eq(drawings.teleconsultationId, teleconsultationId), lt(drawings.operations, MAX_DRAWING_OPERATIONS)))
          .returning({ operations: drawings.operations });
        if (counted.length === 0) {
          throw new AppError('DRAWING_FULL', 'The drawing is full: clear it ("effacer tout") to go on.', { maxOperations: MAX_DRAWING_OPERATIONS });
        }
        await tx.insert(drawingOperations).values({ teleconsultationId, sender: input.sender, operation: op, createdAt: now });
      }
    }
  });
}

/** The drawing of a teleconsultation: its surface and operations, in the order they were drawn. */
export async function loadDrawing(db: Db, teleconsultationId: string): Promise<DrawingSnapshot> {
  const [board] = await db.select({ surface: drawings.surface }).from(drawings).where(eq(drawings.teleconsultationId, teleconsultationId));
  const rows = await db.select({ sender: drawingOperations.sender, operation: drawingOperations.operation }).from(drawingOperations)
    .where(eq(drawingOperations.teleconsultationId, teleconsultationId)).orderBy(asc(drawingOperations.seq));
  return { surface: board?.surface ?? 'off', operations: rows.map((r) => ({ ...r.operation, from: r.sender })) };
}

/** The drawing, deleted past the retention period (connector/retention/purge.ts). */
export const drawingPurge: PurgeableData = {
  name: 'drawing',
  async purge(tx, ids) {
    const operations = await tx.delete(drawingOperations).where(inArray(drawingOperations.teleconsultationId, ids)).returning({ seq: drawingOperations.seq });
    const boards = await tx.delete(drawings).where(inArray(drawings.teleconsultationId, ids)).returning({ id: drawings.teleconsultationId });
    return operations.length + boards.length;
  },
};
