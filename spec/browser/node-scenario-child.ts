// Runs node-scenario.ts on this Node's global WebSocket (Node ≥ 22) and prints the result as
// JSON: `node --import tsx spec/browser/node-scenario-child.ts <ws-url>`.
import * as rxws from '../../src/browser';
import { runScenario } from './node-scenario';

const url = process.argv[2]!;
if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function') {
  console.error(`node ${process.version} has no global WebSocket`);
  process.exit(2);
}
runScenario(rxws, url).then(
  (result) => console.log(JSON.stringify({ node: process.version, result })),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
