/**
 * BPE tokenizers (gpt-tokenizer's o200k included) merge within one pre-token, and a pre-token has no
 * length limit: a run without spaces — a long `=====`, base64, minified code — costs quadratic time
 * (`'a'` × 30k: 1.3 s; one 100 KB run stalled a client for 10 s). Cut into pieces of at most PIECE
 * characters at word starts, a text tokenizes in linear time and, wherever it has word starts, to the
 * same tokens: a cut is always a pre-token boundary. Only a run longer than PIECE without one is cut
 * inside, where a count may be off by a token per cut.
 */
export const PIECE = 1024;

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** Where a piece starting at `from` ends: before a space that starts a word, else at `from + max`. */
function cutAt(text: string, from: number, max: number): number {
  const limit = from + max;
  // Scanned by hand: lastIndexOf would search on past `from`, to the text's start (quadratic without spaces).
  for (let i = limit; i > from; i--) {
    if (text.charCodeAt(i) !== 0x20) continue;
    if (!isSpace(text.charCodeAt(i - 1)) && i + 1 < text.length && !isSpace(text.charCodeAt(i + 1))) return i;
  }
  // No word start: cut the run, never between the halves of a surrogate pair.
  const c = text.charCodeAt(limit - 1);
  return c >= 0xd800 && c <= 0xdbff ? limit - 1 : limit;
}

/** The pieces of `text`, in order; together they are the text. */
export function* textPieces(text: string, max = PIECE): Generator<string> {
  let from = 0;
  while (text.length - from > max) {
    const cut = cutAt(text, from, max);
    yield text.slice(from, cut);
    from = cut;
  }
  yield text.slice(from);
}
