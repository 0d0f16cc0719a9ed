import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { censusPerConnection, heapCensus, holdersOf, namesOf, newNodes, parseHeapSnapshot, type HeapSnapshot } from '../../bench/lib/heap-census';

/** A hand-made snapshot in V8's layout: nodes [type, name, id, self_size, edge_count], edges [type, name_or_index, to_node]. */
function snapshot(nodes: Array<[string, string, number, number, Array<[string, string, number]>]>): HeapSnapshot {
  const nodeTypes = ['hidden', 'array', 'string', 'object', 'code', 'closure'];
  const edgeTypes = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
  const strings: string[] = [];
  const str = (s: string): number => (strings.includes(s) ? strings.indexOf(s) : strings.push(s) - 1);
  const flatNodes: number[] = [];
  const flatEdges: number[] = [];
  for (const [type, name, id, size, edges] of nodes) {
    flatNodes.push(nodeTypes.indexOf(type), str(name), id, size, edges.length);
    for (const [edgeType, edgeName, to] of edges) flatEdges.push(edgeTypes.indexOf(edgeType), str(edgeName), to * 5);
  }
  return {
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
        node_types: [nodeTypes],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [edgeTypes],
      },
    },
    nodes: flatNodes,
    edges: flatEdges,
    strings,
  };
}

describe('heap census', () => {
  const before = snapshot([
    ['object', 'Root', 1, 16, [['property', 'a', 1]]],
    ['object', 'Conn', 3, 100, []],
  ]);
  const after = snapshot([
    ['object', 'Root', 1, 16, [['property', 'a', 1], ['property', 'b', 2], ['weak', 'w', 3]]],
    ['object', 'Conn', 3, 100, [['property', 'head', 4]]],
    ['object', 'Conn', 5, 100, [['property', 'head', 3]]],
    ['string', 'GET / HTTP/1.1', 7, 40, []],
    ['string', 'GET / HTTP/1.1', 9, 40, []],
  ]);

  it('counts objects by constructor and strings by type, with their own bytes', () => {
    const census = heapCensus(after);
    expect(census.get('object Conn')).toEqual({ kind: 'object Conn', count: 2, bytes: 200 });
    expect(census.get('(string)')).toEqual({ kind: '(string)', count: 2, bytes: 80 });
  });

  it('tells the new objects by id, and divides what they hold per connection', () => {
    const fresh = newNodes(before, after);
    expect([...fresh].sort((a, b) => a - b)).toEqual([10, 15, 20]);
    const rows = censusPerConnection(new Map(), heapCensus(after, fresh), 2);
    expect(rows).toEqual([
      { kind: 'object Conn', count: 0.5, bytes: 50 },
      { kind: '(string)', count: 1, bytes: 40 },
    ]);
    expect(namesOf(after, '(string)', fresh)).toEqual([['GET / HTTP/1.1', 2]]);
  });

  it('names what holds the new objects, leaving weak references out', () => {
    const fresh = newNodes(before, after);
    expect(holdersOf(after, 'object Conn', fresh)).toEqual(new Map([['object Root.b', 1]]));
    expect(holdersOf(after, '(string)')).toEqual(new Map([['object Conn.head', 2]]));
  });

  it('diffs two censuses, kinds that vanished included', () => {
    const rows = censusPerConnection(heapCensus(after), heapCensus(before), 1);
    expect(rows).toContainEqual({ kind: '(string)', count: -2, bytes: -80 });
    expect(rows).toContainEqual({ kind: 'object Conn', count: -1, bytes: -100 });
  });

  it('refuses text that is not a heap snapshot', () => {
    expect(() => parseHeapSnapshot('{"nodes": []}')).toThrow(/not a V8 heap snapshot/);
    expect(() => parseHeapSnapshot('not json')).toThrow();
  });

  it('finds the objects a real process made between two of its snapshots', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heap-census-'));
    try {
      const script =
        "const v8 = require('node:v8'); const dir = process.argv[1];" +
        "v8.writeHeapSnapshot(dir + '/before.heapsnapshot');" +
        'class CensusProbe { constructor(i) { this.i = i; this.next = null; } }' +
        'globalThis.kept = Array.from({ length: 1000 }, (_, i) => new CensusProbe(i));' +
        "v8.writeHeapSnapshot(dir + '/after.heapsnapshot');";
      execFileSync(process.execPath, ['-e', script, dir], { timeout: 20_000 });
      const b = parseHeapSnapshot(fs.readFileSync(path.join(dir, 'before.heapsnapshot'), 'utf8'));
      const a = parseHeapSnapshot(fs.readFileSync(path.join(dir, 'after.heapsnapshot'), 'utf8'));
      const fresh = heapCensus(a, newNodes(b, a));
      expect(fresh.get('object CensusProbe')?.count).toBe(1000);
      expect(heapCensus(b).get('object CensusProbe')).toBeUndefined();
      expect(holdersOf(a, 'object CensusProbe').get('object Array[]')).toBe(1000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
