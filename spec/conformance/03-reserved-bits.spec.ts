// Autobahn section 3: reserved bits. Every case runs against the rxws server and the rxws client.
import { conformanceSection } from './fuzz';
import { reservedBitsCases } from './cases/reserved-bits';

conformanceSection('3 reserved bits', reservedBitsCases);
