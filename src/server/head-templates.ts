/**
 * A request head with its `Sec-WebSocket-Key` value cut out, shared by the connections whose
 * heads differ only in that value.
 *
 * @internal
 */
export interface HeadTemplate {
  /** The head without the key's characters. */
  readonly text: string;
  /** Where the key's characters go back in. */
  readonly keyAt: number;
}

/**
 * The heads a server has seen lately, less their key: a connection whose head matches one keeps
 * the shared template and its own key instead of its own copy of the head (see KeptRequest).
 *
 * Why: a kept head is some 150-400 bytes of heap on every idle connection, and clients of one
 * kind (one app, one device fleet, one load generator) send the same head but for the key,
 * which RFC 6455 §4.1 makes random per connection. A browser's cookies make its head unique:
 * the first of a kind is remembered and keeps its own head, as before, so such heads cost the
 * template's lookup and nothing more.
 *
 * Bounded: at most `maxTemplates` templates of at most `maxChars` characters each; when full it
 * starts over (connections keep the templates they hold), so a peer that varies its head can
 * only make it miss.
 *
 * @internal
 */
export class HeadTemplates {
  private readonly templates = new Map<string, HeadTemplate>();

  constructor(
    private readonly maxTemplates = 128,
    private readonly maxChars = 2048,
  ) {}

  /**
   * The template of the heads equal to `head` but for `key`, when one was seen before, or
   * undefined (and the template is remembered for the next such head).
   * `head.slice(0, t.keyAt) + key + head.slice(t.keyAt)` is `head` again, by construction.
   */
  shared(head: string, key: string): HeadTemplate | undefined {
    if (head.length > this.maxChars || key.length === 0) return undefined;
    // Any occurrence will do: putting the same characters back at the same place gives the head.
    const keyAt = head.indexOf(key);
    if (keyAt < 0) return undefined;
    const text = head.slice(0, keyAt) + head.slice(keyAt + key.length);
    const known = this.templates.get(text);
    if (known !== undefined) return known.keyAt === keyAt ? known : undefined;
    if (this.templates.size >= this.maxTemplates) this.templates.clear();
    this.templates.set(text, { text, keyAt });
    return undefined;
  }
}

/** The head a template and a key stand for. @internal */
export function headOf(template: HeadTemplate, key: string): string {
  return template.text.slice(0, template.keyAt) + key + template.text.slice(template.keyAt);
}
