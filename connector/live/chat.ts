/** Chat messages: kept, since both sides consult them afterwards; a late joiner gets the recent ones. */
import { desc, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { chatMessages, type LinkRole } from '../db/schema/index.ts';
import type { ServerMessage } from '#protocol/live';
import type { PurgeableData } from '../retention/purge.ts';

/** How many past messages a (re)connecting page receives. */
export const CHAT_HISTORY_LIMIT = 100;

type ChatServerMessage = Extract<ServerMessage, { type: 'chat' }>;

/** Stores one message; returns it as both pages receive it. */
export async function saveChatMessage(q: Queryable, input: { teleconsultationId: string; sender: LinkRole; text: string; at: Date; clientId?: string }): Promise<ChatServerMessage> {
  const [row] = await q.insert(chatMessages).values({ teleconsultationId: input.teleconsultationId, sender: input.sender, text: input.text, createdAt: input.at })
    .returning({ id: chatMessages.id });
  return {
    type: 'chat', from: input.sender, id: row!.id, text: input.text, at: input.at.toISOString(),
    ...(input.clientId !== undefined ? { clientId: input.clientId } : {}),
  };
}

/** The most recent messages, oldest first. */
export async function recentChat(q: Queryable, teleconsultationId: string, limit = CHAT_HISTORY_LIMIT): Promise<ChatServerMessage[]> {
  const rows = await q.select().from(chatMessages).where(eq(chatMessages.teleconsultationId, teleconsultationId))
    .orderBy(desc(chatMessages.createdAt), desc(chatMessages.id)).limit(limit);
  return rows.reverse().map((r) => ({ type: 'chat', from: r.sender, id: r.id, text: r.text, at: r.createdAt.toISOString() }));
}

/** The chat, deleted past the retention period (connector/retention/purge.ts). */
export const chatPurge: PurgeableData = {
  name: 'chat',
  async purge(tx, ids) {
    return (await tx.delete(chatMessages).where(inArray(chatMessages.teleconsultationId, ids)).returning({ id: chatMessages.id })).length;
  },
};
