// Autobahn section 9: big messages and many fragments, echoed intact with the default limits.
// Durations of every case go to .tmp/conformance-timings.json, with a one-line summary per side.
// RXWS_CONFORMANCE_FULL=1 runs the full matrix; the default is a representative subset.
import { conformanceSection } from './fuzz';
import { limitsCases } from './cases/limits';

conformanceSection('9 limits', limitsCases);
