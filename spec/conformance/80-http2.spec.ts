// Every RFC-section case table again, with the testees on HTTP/2 streams (RFC 8441) instead of
// TCP sockets: the rxws server behind an extended CONNECT, and the rxws client opening one.
import { conformanceSection } from './fuzz';
import { closeCases } from './cases/close';
import { fragmentationCases } from './cases/fragmentation';
import { framingCases } from './cases/framing';
import { limitsCases, miscCases } from './cases/limits';
import { opcodeCases } from './cases/opcodes';
import { pingPongCases } from './cases/ping-pong';
import { reservedBitsCases } from './cases/reserved-bits';
import { utf8Cases } from './cases/utf8';
import { makeH2Testee } from './h2-testees';

const roles = ['server', 'client'] as const;
conformanceSection('h2 1 framing', framingCases, roles, makeH2Testee);
conformanceSection('h2 2 ping-pong', pingPongCases, roles, makeH2Testee);
conformanceSection('h2 3 reserved bits', reservedBitsCases, roles, makeH2Testee);
conformanceSection('h2 4 opcodes', opcodeCases, roles, makeH2Testee);
conformanceSection('h2 5 fragmentation', fragmentationCases, roles, makeH2Testee);
conformanceSection('h2 6 utf-8', utf8Cases, roles, makeH2Testee);
conformanceSection('h2 7 close', closeCases, roles, makeH2Testee);
conformanceSection('h2 9 limits', limitsCases, roles, makeH2Testee);
conformanceSection('h2 10 misc', miscCases, roles, makeH2Testee);
