// How every browser run here starts Debian's Chromium (TOOLCHAIN.md): Playwright's own browser
// download is not reachable, and without the background-networking flags Chromium keeps trying
// hosts this machine cannot reach.
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
