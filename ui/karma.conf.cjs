// Karma for the UI specs (`ng test`), run headless in Debian's Chromium.
// tests/run.ts reads the "Executed N of M (k FAILED)" line that the progress reporter prints.
// Angular's unit-test builder adds the test files, polyfills and its own plugins to this config.
const chromeFlags = [
  '--headless',
  // Chromium refuses to start as root without it (CI containers run as root).
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  // Keep Chromium quiet on a closed network: no update or background requests.
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  // Web Audio runs without a user's gesture: the recorder's specs mix sound, and a spec's click is not one.
  '--autoplay-policy=no-user-gesture-required',
];

// Same default as tests/support/chromium.ts, so a bare `ng test` finds Debian's Chromium.
process.env.CHROME_BIN ??= '/usr/bin/chromium';

module.exports = function (config) {
  config.set({
    basePath: '',
    frameworks: ['jasmine'],
    plugins: [require('karma-jasmine'), require('karma-chrome-launcher')],
    client: {
      jasmine: { random: true },
      clearContext: false,
    },
    reporters: ['progress'],
    colors: false,
    logLevel: config.LOG_INFO,
    customLaunchers: {
      ChromiumHeadlessCi: { base: 'ChromeHeadless', flags: chromeFlags },
    },
    browsers: ['ChromiumHeadlessCi'],
    browserNoActivityTimeout: 60000,
    singleRun: true,
    restartOnFileChange: false,
  });
};
