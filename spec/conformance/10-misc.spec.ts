// Autobahn section 10 and RELIABILITY 10: a 16 MiB message in many fragments with pings between;
// every pong comes back before the message's last fragment is even sent.
import { conformanceSection } from './fuzz';
import { miscCases } from './cases/limits';

conformanceSection('10 misc', miscCases);
