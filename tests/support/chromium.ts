/** Where Debian's Chromium lives; tests never download a browser. */
export function chromiumPath(): string {
  return process.env.CHROME_BIN ?? '/usr/bin/chromium';
}

/** Flags measured to keep headless Chromium working as root on a closed network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  // getDisplayMedia() then returns a fake 16:9 screen without a picker (RECIPES.md).
  '--auto-select-desktop-capture-source=Entire screen',
];
