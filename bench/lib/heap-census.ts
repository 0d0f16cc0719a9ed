/**
 * A census of a V8 heap snapshot (the JSON `v8.writeHeapSnapshot` writes): how many objects of
 * each kind, their own bytes, and what holds them. Two snapshots of one process, before and
 * after opening N idle connections, say where the heap of one connection goes: node ids are
 * stable within a process, so the objects new in the second are told apart exactly.
 * Pure: parses text, no I/O.
 */

/** One kind of object: V8's node type and, for objects and closures, the constructor or function name. */
export interface CensusEntry {
  kind: string;
  count: number;
  bytes: number;
}

export type Census = Map<string, CensusEntry>;

/** A parsed snapshot, as V8 writes it: flat arrays of node and edge fields. */
export interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[]; edge_fields: string[]; edge_types: unknown[] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Offsets (into `nodes`) of the nodes to count. */
export type NodeSet = ReadonlySet<number>;

/**
 * Objects and closures are named after their constructor or function; strings, numbers and the
 * like only by their type (their "name" is their content); V8's internal objects keep their name.
 */
function kindOf(type: string, name: string): string {
  switch (type) {
    case 'object':
    case 'closure':
    case 'native':
    case 'hidden':
    case 'array':
    case 'code':
    case 'object shape':
    case 'synthetic':
      return `${type} ${name}`;
    default:
      return `(${type})`;
  }
}

/** Parses snapshot text. Throws on text that is not a heap snapshot. */
export function parseHeapSnapshot(text: string): HeapSnapshot {
  const json = JSON.parse(text) as HeapSnapshot;
  const meta = json.snapshot?.meta;
  if (!meta || !Array.isArray(meta.node_fields) || !Array.isArray(json.nodes) || !Array.isArray(json.strings)) {
    throw new Error('not a V8 heap snapshot');
  }
  for (const field of ['type', 'name', 'id', 'self_size', 'edge_count']) {
    if (!meta.node_fields.includes(field)) throw new Error(`heap snapshot nodes without ${field}`);
  }
  return json;
}

/** Offset, kind, name and size of the nodes of a snapshot. */
function reader(s: HeapSnapshot) {
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0] as string[];
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  return {
    width: fields.length,
    idAt: fields.indexOf('id'),
    sizeAt: fields.indexOf('self_size'),
    edgeCountAt: fields.indexOf('edge_count'),
    kind: (offset: number): string => kindOf(types[s.nodes[offset + typeAt]!] ?? 'unknown', s.strings[s.nodes[offset + nameAt]!] ?? ''),
    name: (offset: number): string => s.strings[s.nodes[offset + nameAt]!] ?? '',
  };
}

/** The nodes of `after` that `before` does not have (by id: both must come from one process). */
export function newNodes(before: HeapSnapshot, after: HeapSnapshot): NodeSet {
  const b = reader(before);
  const seen = new Set<number>();
  for (let i = 0; i < before.nodes.length; i += b.width) seen.add(before.nodes[i + b.idAt]!);
  const a = reader(after);
  const fresh = new Set<number>();
  for (let i = 0; i < after.nodes.length; i += a.width) if (!seen.has(after.nodes[i + a.idAt]!)) fresh.add(i);
  return fresh;
}

/** Counts the nodes of one snapshot (or only those in `only`) by kind. */
export function heapCensus(snapshot: HeapSnapshot | string, only?: NodeSet): Census {
  const json = typeof snapshot === 'string' ? parseHeapSnapshot(snapshot) : snapshot;
  const r = reader(json);
  const census: Census = new Map();
  const count = (i: number): void => {
    const kind = r.kind(i);
    const entry = census.get(kind);
    if (entry === undefined) census.set(kind, { kind, count: 1, bytes: json.nodes[i + r.sizeAt]! });
    else {
      entry.count++;
      entry.bytes += json.nodes[i + r.sizeAt]!;
    }
  };
  if (only !== undefined) for (const i of only) count(i);
  else for (let i = 0; i < json.nodes.length; i += r.width) count(i);
  return census;
}

/** What `after` holds beyond `before`, per connection, largest first; kinds that changed by less
 *  than `minBytesPerConn` bytes per connection are left out. */
export function censusPerConnection(before: Census, after: Census, connections: number, minBytesPerConn = 8): CensusEntry[] {
  const out: CensusEntry[] = [];
  for (const [kind, a] of after) {
    const b = before.get(kind);
    const bytes = (a.bytes - (b?.bytes ?? 0)) / connections;
    const count = (a.count - (b?.count ?? 0)) / connections;
    if (Math.abs(bytes) >= minBytesPerConn) out.push({ kind, count, bytes });
  }
  for (const [kind, b] of before) {
    if (!after.has(kind) && b.bytes / connections >= minBytesPerConn) out.push({ kind, count: -b.count / connections, bytes: -b.bytes / connections });
  }
  return out.sort((x, y) => y.bytes - x.bytes);
}

/**
 * Who holds the objects of `kind` (only those in `only`, when given): for every strong edge that
 * points at one, the holder's kind and the edge's name (`Holder.field`, or `Holder[]` for
 * elements and hidden links), with how many such edges there are.
 */
export function holdersOf(snapshot: HeapSnapshot, kind: string, only?: NodeSet): Map<string, number> {
  const meta = snapshot.snapshot.meta;
  const r = reader(snapshot);
  const edgeWidth = meta.edge_fields.length;
  const edgeTypeAt = meta.edge_fields.indexOf('type');
  const edgeNameAt = meta.edge_fields.indexOf('name_or_index');
  const toAt = meta.edge_fields.indexOf('to_node');
  const edgeTypes = meta.edge_types[0] as string[];
  const holders = new Map<string, number>();
  let edge = 0;
  for (let node = 0; node < snapshot.nodes.length; node += r.width) {
    const count = snapshot.nodes[node + r.edgeCountAt]!;
    for (let e = 0; e < count; e++, edge += edgeWidth) {
      const to = snapshot.edges[edge + toAt]!;
      if ((only !== undefined && !only.has(to)) || r.kind(to) !== kind) continue;
      const type = edgeTypes[snapshot.edges[edge + edgeTypeAt]!];
      if (type === 'weak') continue;
      const name = type === 'element' || type === 'hidden' ? '[]' : `.${snapshot.strings[snapshot.edges[edge + edgeNameAt]!]}`;
      const key = `${r.kind(node)}${name}`;
      holders.set(key, (holders.get(key) ?? 0) + 1);
    }
  }
  return holders;
}

/** Up to `max` names of nodes of `kind` in `only` (for strings, their text), most frequent first. */
export function namesOf(snapshot: HeapSnapshot, kind: string, only: NodeSet, max = 5): Array<[string, number]> {
  const r = reader(snapshot);
  const names = new Map<string, number>();
  for (const i of only) if (r.kind(i) === kind) names.set(r.name(i), (names.get(r.name(i)) ?? 0) + 1);
  return [...names].sort((a, b) => b[1] - a[1]).slice(0, max);
}
