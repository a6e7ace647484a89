/**
 * A serialisable log of a driver's events, for tests: the Node side reads it directly or
 * through `page.evaluate` when the driver runs in a browser page.
 */
import type { ConferenceDriver, ConferenceEvents } from './conference.ts';

/** A JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** One event as logged: streams become `{ stream: true }`, remote tracks `{ id, kind, source }`. */
export interface LoggedEvent {
  event: keyof ConferenceEvents;
  payload: Json;
}

/** Every event name of {@link ConferenceEvents}. */
export const CONFERENCE_EVENT_NAMES: readonly (keyof ConferenceEvents)[] = [
  'connection', 'local-stream', 'remote-track-added', 'remote-track-removed', 'remote-left',
  'knocking', 'knock-withdrawn', 'approved', 'denied', 'message', 'screen-share',
];

function serialise(payload: unknown): Json {
  if (payload === undefined || payload === null) return null;
  if (typeof payload === 'string' || typeof payload === 'number' || typeof payload === 'boolean') return payload;
  if (typeof payload === 'object' && 'kind' in payload && 'stream' in payload && 'id' in payload) {
    return { id: String(payload.id), kind: String(payload.kind), source: 'source' in payload ? String(payload.source) : null };
  }
  if (typeof MediaStream !== 'undefined' && payload instanceof MediaStream) return { stream: true };
  try {
    return JSON.parse(JSON.stringify(payload)) as Json;
  } catch {
    return { unserialisable: true };
  }
}

/** Subscribes to every event of `driver`; the returned array grows as events arrive. */
export function logConferenceEvents(driver: ConferenceDriver): LoggedEvent[] {
  const log: LoggedEvent[] = [];
  for (const event of CONFERENCE_EVENT_NAMES) driver.on(event, (payload) => log.push({ event, payload: serialise(payload) }));
  return log;
}
