/** Debian's Chromium through playwright-core, with fake camera and microphone (see RECIPES.md). */
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../../support/chromium.ts';
import { ensureUiBuilt } from './ui-build.ts';

/** Launches headless Chromium; the caller closes it. `cameras`: how many fake cameras it offers (1 by default). */
export function launchChromium(options: { cameras?: number } = {}): Promise<Browser> {
  const args = options.cameras && options.cameras > 1
    ? CHROMIUM_ARGS.map((a) => (a === '--use-fake-device-for-media-stream' ? `--use-fake-device-for-media-stream=device-count=${options.cameras}` : a))
    : CHROMIUM_ARGS;
  return chromium.launch({ executablePath: chromiumPath(), args, headless: true });
}

/** The suite's Chromium and the contexts its specs open (`contexts.push`). */
export interface CallBrowser {
  readonly browser: Browser;
  readonly contexts: BrowserContext[];
}

/**
 * A Chromium for a suite of specs on the built UI, launched before them (with the UI built),
 * closed after them; the contexts a spec opened close after it, so that a call left running
 * does not slow the next spec. Call it after `useAppWithHub`: the pages close before the app.
 */
export function useCallBrowser(options: { cameras?: number } = {}): CallBrowser {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    [browser] = await Promise.all([launchChromium(options), ensureUiBuilt()]);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser(): Browser {
      if (!browser) throw new Error('the browser is launched before the specs (beforeAll)');
      return browser;
    },
    contexts,
  };
}
