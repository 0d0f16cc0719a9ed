// Autobahn section 9: big messages and many fragments, echoed intact with the default limits.
// Durations of every case go to .tmp/conformance-timings.json, with a one-line summary per side.
// The full matrix runs by default (about 40 s of case time); RXWS_CONFORMANCE_QUICK=1 runs a
// representative subset (16 of 58 cases per side).
import { conformanceSection } from './fuzz';
import { limitsCases } from './cases/limits';

conformanceSection('9 limits', limitsCases);
