import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (scripts/services.sh installs it for the tests), headless, quiet, offline. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    headless: true,
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}
