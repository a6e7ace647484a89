/**
 * The journey's messages past the retention period: each message with its variables (links,
 * amounts), and what the dev outbox kept of it (recipient and body), deleted.
 */
import { inArray } from 'drizzle-orm';
import { messages, outbox } from '../db/schema/index.ts';
import type { PurgeableData } from '../retention/purge.ts';

export const messagesPurge: PurgeableData = {
  name: 'messages',
  async purge(tx, ids) {
    const gone = await tx.delete(messages).where(inArray(messages.teleconsultationId, ids)).returning({ id: messages.id });
    const messageIds = gone.map((m) => m.id);
    let kept = 0;
    for (let i = 0; i < messageIds.length; i += 500) {
      kept += (await tx.delete(outbox).where(inArray(outbox.messageId, messageIds.slice(i, i + 500))).returning({ id: outbox.id })).length;
    }
    return gone.length + kept;
  },
};
