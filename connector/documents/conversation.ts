/**
 * The whole conversation of a consultation, the transcript both pages read during and after
 * the call: chat messages and documents, merged in the order they were shared.
 */
import { asc, eq } from 'drizzle-orm';
import type { ConversationEntry } from '#protocol/live';
import type { Queryable } from '../db/client.ts';
import { chatMessages } from '../db/schema/index.ts';
import { documentsOf, documentSummary } from './records.ts';

/** Every message and document of a consultation, oldest first. */
export async function conversationOf(q: Queryable, teleconsultationId: string): Promise<ConversationEntry[]> {
  const messages = await q.select().from(chatMessages).where(eq(chatMessages.teleconsultationId, teleconsultationId))
    .orderBy(asc(chatMessages.createdAt), asc(chatMessages.id));
  const docs = await documentsOf(q, teleconsultationId);
  const entries: { at: number; entry: ConversationEntry }[] = [
    ...messages.map((m) => ({ at: m.createdAt.getTime(), entry: { kind: 'message', id: m.id, from: m.sender, text: m.text, at: m.createdAt.toISOString() } as const })),
    ...docs.map((d) => ({ at: d.createdAt.getTime(), entry: { kind: 'document', id: d.id, from: d.sender, at: d.createdAt.toISOString(), document: documentSummary(d) } as const })),
  ];
  // Array.prototype.sort is stable: at the same instant, messages stay before documents, each in its own order.
  return entries.sort((a, b) => a.at - b.at).map((e) => e.entry);
}
