/**
 * Glob matching as SQLite's GLOB does it, which is what IPython's history search uses: `*` any run of
 * characters, `?` one character, `[abc]`, `[a-z]` and `[^abc]` sets (a `]` first in a set is literal),
 * case-sensitive, the whole text must match. Matched with a greedy-star backtrack, not a regular
 * expression: O(pattern x text) for any pattern a front end sends, never exponential.
 */

type Token = { kind: 'char'; c: string } | { kind: 'any' } | { kind: 'star' } | { kind: 'set'; negated: boolean; ranges: [string, string][] };

/** True when all of `text` matches `pattern`. */
export function globMatch(pattern: string, text: string): boolean {
  const p = tokens(pattern);
  if (!p) return false;
  const t = [...text]; // code points, so '?' takes a whole emoji as SQLite takes a whole UTF-8 character
  let i = 0; // in p
  let j = 0; // in t
  let star = -1; // the last star seen, and where in t it started matching
  let starJ = 0;
  while (j < t.length) {
    const tok = p[i];
    if (tok && tok.kind !== 'star' && matchesOne(tok, t[j])) {
      i++;
      j++;
    } else if (tok?.kind === 'star') {
      star = i++;
      starJ = j;
    } else if (star >= 0) {
      // Let the last star take one more character and retry after it.
      i = star + 1;
      j = ++starJ;
    } else return false;
  }
  while (p[i]?.kind === 'star') i++;
  return i === p.length;
}

function matchesOne(tok: Token, c: string): boolean {
  if (tok.kind === 'char') return tok.c === c;
  if (tok.kind === 'any') return true;
  if (tok.kind === 'set') return tok.ranges.some(([lo, hi]) => lo <= c && c <= hi) !== tok.negated;
  return false;
}

/** The pattern's tokens; undefined for a set that never closes. */
function tokens(pattern: string): Token[] | undefined {
  const cs = [...pattern];
  const out: Token[] = [];
  for (let k = 0; k < cs.length; k++) {
    const c = cs[k];
    if (c === '*') {
      if (out[out.length - 1]?.kind !== 'star') out.push({ kind: 'star' });
    } else if (c === '?') out.push({ kind: 'any' });
    else if (c === '[') {
      const set = readSet(cs, k + 1);
      if (!set) return undefined;
      out.push(set.token);
      k = set.end;
    } else out.push({ kind: 'char', c });
  }
  return out;
}

/** The set starting after '[' at `from`, and the index of its closing ']'; undefined when it never closes. */
function readSet(cs: string[], from: number): { token: Token; end: number } | undefined {
  let k = from;
  const negated = cs[k] === '^';
  if (negated) k++;
  const ranges: [string, string][] = [];
  // A ']' right after '[' or '[^' belongs to the set.
  if (cs[k] === ']') {
    ranges.push([']', ']']);
    k++;
  }
  for (; k < cs.length; k++) {
    if (cs[k] === ']') return { token: { kind: 'set', negated, ranges }, end: k };
    if (cs[k + 1] === '-' && k + 2 < cs.length && cs[k + 2] !== ']') {
      ranges.push([cs[k], cs[k + 2]]);
      k += 2;
    } else ranges.push([cs[k], cs[k]]);
  }
  return undefined;
}
