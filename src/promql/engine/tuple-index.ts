/** One node of a TupleIndex: children by the next string, and the id of the tuple ending here. */
class Node {
  kids: Map<string, Node> | null = null;
  id = -1;
}

/**
 * Dense ids (0, 1, 2, …) for tuples of strings, such as a series' values of its grouping labels,
 * through a trie of Maps keyed by the strings themselves. A key string built by concatenation is
 * a new string each time, which the Map must flatten and hash; label values coming from the
 * storage are the same string objects query after query, whose hashes V8 keeps. Unlike a joined
 * key, no separator can make two tuples collide.
 *
 *   idx.begin(); idx.add(a); idx.add(b); const id = idx.end();
 */
export class TupleIndex {
  /** Tuples seen so far (the next new id). */
  size = 0;
  /** Whether the tuple of the last `end()` was new. */
  fresh = false;
  private readonly root = new Node();
  private at: Node = this.root;

  begin(): void {
    this.at = this.root;
  }

  add(s: string): void {
    const node = this.at;
    let kids = node.kids;
    if (kids === null) kids = node.kids = new Map();
    let next = kids.get(s);
    if (next === undefined) {
      next = new Node();
      kids.set(s, next);
    }
    this.at = next;
  }

  /** The id of the tuple added since `begin()`; `fresh` says whether it is new. */
  end(): number {
    const node = this.at;
    this.fresh = node.id < 0;
    if (this.fresh) node.id = this.size++;
    return node.id;
  }
}
