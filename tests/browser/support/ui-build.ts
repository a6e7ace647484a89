/**
 * Makes sure dist/ui holds a build of the current UI sources (every entry), with the same
 * staleness check as `npm start` (connector/scripts/ensure-ui.ts): builds it once per run
 * when it is missing or older than its sources.
 */
import { ensureUi } from '../../../connector/scripts/ensure-ui.ts';

let built: Promise<void> | null = null;

/** Builds the UI if it is missing or stale; later calls in the same run reuse the result. */
export function ensureUiBuilt(): Promise<void> {
  built ??= (async () => ensureUi({ quiet: true }))();
  return built;
}
