// Autobahn section 5: fragmentation. Every case runs against the rxws server and the rxws client.
import { conformanceSection } from './fuzz';
import { fragmentationCases } from './cases/fragmentation';

conformanceSection('5 fragmentation', fragmentationCases);
