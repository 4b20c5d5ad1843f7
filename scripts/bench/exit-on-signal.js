'use strict';
// Preloaded (node -r) into a process started with --cpu-prof: SIGUSR2 exits it normally, so V8
// writes the profile (a process killed by a signal writes none).
process.once('SIGUSR2', () => process.exit(0));
