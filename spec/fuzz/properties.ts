// The fuzz properties, shared by spec/fuzz/fuzz.spec.ts (a bounded CI run) and scripts/fuzz.ts
// (long runs): random sequences of valid and invalid frames, randomly chunked, with a close or
// EOF at a random point, against a live rxws server and a live rxws client over loopback.
import fc from 'fast-check';
import { caseArbitrary, type Role } from './frame-model';
import { checkCase, runCase, startClientEndpoint, startServerEndpoint, type Endpoint } from './harness';

export interface FuzzProperty {
  name: string;
  role: Role;
  /** Starts the endpoint the property runs against (reused across its cases). */
  start(): Promise<Endpoint>;
  property(endpoint: Endpoint): fc.IAsyncPropertyWithHooks<unknown[]>;
}

function frameProperty(role: Role, start: () => Promise<Endpoint>): FuzzProperty {
  return {
    name: `rxws ${role}: any frame sequence, chunking and close timing ends healthy or with the model's close code, delivering every message before the first fault exactly once, in order`,
    role,
    start,
    property: (endpoint) =>
      fc.asyncProperty(caseArbitrary, async (c) => {
        const observed = await runCase(endpoint, c);
        checkCase(c, observed, role);
        if (endpoint.serverErrors.length > 0) throw new Error(`server.errors$ reported ${endpoint.serverErrors.map((e) => e.code).join(', ')}`);
      }),
  };
}

export const FUZZ_PROPERTIES: readonly FuzzProperty[] = [frameProperty('server', startServerEndpoint), frameProperty('client', startClientEndpoint)];
