// Autobahn section 2: ping/pong. Every case runs against the rxws server and the rxws client.
import { conformanceSection } from './fuzz';
import { pingPongCases } from './cases/ping-pong';

conformanceSection('2 ping/pong', pingPongCases);
