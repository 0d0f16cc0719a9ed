// The rxws servers and client under test load rxws as users get it: the compiled build in dist/
// (`npm run bench` builds it first), not the TypeScript sources through tsx. tsx keeps function
// names by wrapping every function it creates, a per-connection tax users never pay; `ws` runs as
// plain JavaScript too. Types still come from the sources.
import type * as Rxws from '../../src';

// RXWS_BENCH_DIST points a server at another build (an absolute path to its cjs folder), to
// compare two builds in one run (bench/idle-heap.ts --impl rxws,rxws@/path/to/cjs).
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const rxws: typeof Rxws = require(process.env['RXWS_BENCH_DIST'] || '../../dist/cjs');
