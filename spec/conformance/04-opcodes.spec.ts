// Autobahn section 4: reserved opcodes. Every case runs against the rxws server and the rxws client.
import { conformanceSection } from './fuzz';
import { opcodeCases } from './cases/opcodes';

conformanceSection('4 reserved opcodes', opcodeCases);
