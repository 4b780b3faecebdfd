/**
 * Fitting labels into the static SVG without a font to measure with: widths are estimated per character
 * (sans-serif proportions, slightly generous so the estimate errs towards fitting), and a label too wide
 * for its box is wrapped at spaces onto a few lines; what still does not fit loses its middle to an
 * ellipsis, so both the start of a name and its end (the part that tells 'theta-1: after step' from
 * 'theta-sqrt-n: after step', or carries a baseline's value) stay visible.
 */

// Widths in em of sans-serif glyphs, by class (close to Helvetica/Arial/DejaVu Sans at the ranges used).
const NARROW = new Set("il.,:;|!'`()[]{}/\\ ");
const WIDE = new Set('mwMW@%');

/** Estimated width in px of `s` at `fontPx`. */
export function textWidth(s: string, fontPx: number): number {
  let em = 0;
  for (const ch of s) {
    if (NARROW.has(ch)) em += 0.3;
    else if (WIDE.has(ch)) em += 0.9;
    else if (ch >= 'A' && ch <= 'Z') em += 0.68;
    else if (ch.charCodeAt(0) > 0x2000) em += 0.8; // symbols (‖, ·, →, ...), wider than letters in most fonts
    else em += 0.56;
  }
  return em * fontPx;
}

/** The longest prefix of `s` (at a character boundary) no wider than `px`. */
function head(s: string, px: number, fontPx: number): string {
  const chars = [...s];
  let out = '';
  for (const ch of chars) {
    if (textWidth(out + ch, fontPx) > px) break;
    out += ch;
  }
  return out;
}

/** The longest suffix of `s` no wider than `px`. */
function tail(s: string, px: number, fontPx: number): string {
  const chars = [...s];
  let out = '';
  for (let i = chars.length - 1; i >= 0; i--) {
    if (textWidth(chars[i] + out, fontPx) > px) break;
    out = chars[i] + out;
  }
  return out;
}

/** `s` in one line of at most `px`: whole, or its start and end around an ellipsis. */
export function ellipsize(s: string, px: number, fontPx: number): string {
  if (textWidth(s, fontPx) <= px) return s;
  const room = px - textWidth('…', fontPx);
  // The end carries what distinguishes similar names more often than the start: give it a bit more room.
  const end = tail(s, room * 0.55, fontPx);
  const start = head(s.slice(0, s.length - end.length), room - textWidth(end, fontPx), fontPx);
  return `${start.trimEnd()}…${end.trimStart()}`;
}

/**
 * `s` wrapped into at most `maxLines` lines of at most `px` each: greedy at spaces; when the words do not
 * fit, the last line becomes an ellipsis and the end of the label.
 */
export function fitLines(s: string, px: number, fontPx: number, maxLines = 2): string[] {
  const text = s.replace(/\s+/g, ' ').trim();
  if (textWidth(text, fontPx) <= px) return [text];
  const words = text.split(' ');
  const lines: string[] = [];
  let cur = '';
  let i = 0;
  while (i < words.length && lines.length < maxLines - 1) {
    const next = cur ? `${cur} ${words[i]}` : words[i];
    if (textWidth(next, fontPx) <= px) {
      cur = next;
      i++;
    } else if (cur) {
      lines.push(cur);
      cur = '';
    } else {
      // One word wider than a line: its start fills this line, the rest of it starts the next.
      const part = head(words[i], px, fontPx) || [...words[i]][0];
      lines.push(part);
      words[i] = words[i].slice(part.length);
    }
  }
  const rest = [cur, ...words.slice(i)].filter(Boolean).join(' ');
  if (rest) lines.push(ellipsize(rest, px, fontPx));
  return lines;
}
