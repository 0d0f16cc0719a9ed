// Autobahn section 1: framing. Every case runs against the rxws server and the rxws client.
import { conformanceSection } from './fuzz';
import { framingCases } from './cases/framing';

conformanceSection('1 framing', framingCases);
