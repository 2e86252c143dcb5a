import { TOKEN_IDS } from '../../common/catalog';

/**
 * A reversible sub-word tokenizer for code and prose.
 *
 * - A token that followed a single space carries the marker `Ġ` (U+0120) in front of it; a run of k spaces
 *   before a token becomes k−1 standalone `Ġ` tokens followed by the marked token.
 * - A newline is the token `Ċ` (U+010A).
 * - Leading indentation right after a newline (or at the start of the text) becomes one `ĠĠĠĠ` token per
 *   4 spaces; the remaining 0–3 spaces are handled like any other run of spaces.
 * - Identifiers are split into sub-words: snake_case parts with `_` as its own piece, camelCase humps,
 *   runs of capitals (`HTTPServer` → `HTTP`, `Server`) and digit runs. Only the first piece can carry `Ġ`.
 * - Numbers are digit runs; common multi-character operators (`==`, `!=`, `<=`, `>=`, `->`, `+=`, `**`, `//`, …)
 *   are single tokens; any other character (punctuation, quotes) is a token of its own.
 * - Case is kept.
 *
 * `detokenize(tokenize(text)) === text` for any text made of printable ASCII, spaces and newlines
 * (trailing spaces survive too). Texts containing `Ġ` or `Ċ` themselves do not round-trip.
 */

export const SPACE_MARK = 'Ġ';
export const NEWLINE_TOKEN = 'Ċ';
export const INDENT_TOKEN = 'ĠĠĠĠ';

export const SPECIAL = { pad: '<pad>', bos: '<bos>', eos: '<eos>', unk: '<unk>' } as const;
const SPECIAL_TOKENS: readonly string[] = [SPECIAL.pad, SPECIAL.bos, SPECIAL.eos, SPECIAL.unk];
export const PAD_ID = TOKEN_IDS.pad;
export const BOS_ID = TOKEN_IDS.bos;
export const EOS_ID = TOKEN_IDS.eos;
export const UNK_ID = TOKEN_IDS.unk;

// Groups: 1 newline, 2 spaces, 3 identifier, 4 number, 5 multi-char operator, 6 any other single character.
const MASTER =
  /(\n)|( +)|([A-Za-z_][A-Za-z0-9_]*)|([0-9]+)|(\*\*=|\/\/=|>>=|<<=|\.\.\.|==|!=|<=|>=|->|\+=|-=|\*=|\/=|%=|&=|\|=|\^=|\*\*|\/\/|<<|>>|:=)|([\s\S])/g;
const IDENT_PIECE = /_|[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g;
const SIMPLE_IDENT = /^(?:[a-z]+|[A-Z][a-z]*|[A-Z]+|[0-9]+)$/;

/** The sub-word pieces of an identifier (their concatenation is the identifier). */
export function splitIdentifier(identifier: string): string[] {
  if (SIMPLE_IDENT.test(identifier)) return [identifier];
  return identifier.match(IDENT_PIECE) ?? [identifier];
}

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let atLineStart = true;
  let pending = 0; // spaces waiting to be attached to the next token

  const flushPendingAsTokens = (): void => {
    for (let i = 0; i < pending; i++) tokens.push(SPACE_MARK);
    pending = 0;
  };
  const pushContent = (pieces: readonly string[]): void => {
    let first = true;
    for (const piece of pieces) {
      if (first && pending > 0) {
        for (let i = 1; i < pending; i++) tokens.push(SPACE_MARK);
        tokens.push(SPACE_MARK + piece);
        pending = 0;
      } else {
        tokens.push(piece);
      }
      first = false;
    }
    atLineStart = false;
  };

  MASTER.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = MASTER.exec(text)) !== null) {
    const [whole, newline, spaces, identifier] = match;
    if (newline !== undefined) {
      flushPendingAsTokens();
      tokens.push(NEWLINE_TOKEN);
      atLineStart = true;
    } else if (spaces !== undefined) {
      if (atLineStart) {
        const indents = Math.floor(spaces.length / 4);
        for (let i = 0; i < indents; i++) tokens.push(INDENT_TOKEN);
        pending = spaces.length % 4;
        atLineStart = false;
      } else {
        pending += spaces.length;
      }
    } else if (identifier !== undefined) {
      pushContent(splitIdentifier(identifier));
    } else {
      pushContent([whole]);
    }
  }
  flushPendingAsTokens();
  return tokens;
}

export function detokenize(tokens: readonly string[]): string {
  return tokens.join('').replaceAll(SPACE_MARK, ' ').replaceAll(NEWLINE_TOKEN, '\n');
}

/** A token ↔ id mapping; ids 0–3 are always `<pad>`, `<bos>`, `<eos>`, `<unk>`. */
export class Vocabulary {
  private readonly tokens: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;

  private constructor(tokens: readonly string[]) {
    this.tokens = tokens;
    const ids = new Map<string, number>();
    tokens.forEach((token, index) => {
      if (ids.has(token)) throw new Error(`Vocabulary: duplicate token ${JSON.stringify(token)}`);
      ids.set(token, index);
    });
    this.ids = ids;
  }

  /**
   * Keeps tokens seen at least `minFrequency` times, most frequent first (ties by code-unit order of the
   * token), so that the vocabulary — the four specials included — has at most `maxSize` entries.
   */
  static build(tokenLists: Iterable<readonly string[]>, options: { minFrequency: number; maxSize: number }): Vocabulary {
    const { minFrequency, maxSize } = options;
    if (!Number.isInteger(maxSize) || maxSize < SPECIAL_TOKENS.length) {
      throw new Error(`Vocabulary.build: maxSize must be an integer ≥ ${SPECIAL_TOKENS.length}, got ${maxSize}`);
    }
    const counts = new Map<string, number>();
    for (const list of tokenLists) {
      for (const token of list) counts.set(token, (counts.get(token) ?? 0) + 1);
    }
    const specials = new Set(SPECIAL_TOKENS);
    const kept = [...counts.entries()]
      .filter(([token, count]) => count >= minFrequency && !specials.has(token))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxSize - SPECIAL_TOKENS.length)
      .map(([token]) => token);
    return new Vocabulary([...SPECIAL_TOKENS, ...kept]);
  }

  static fromJSON(json: { tokens: string[] }): Vocabulary {
    const { tokens } = json;
    SPECIAL_TOKENS.forEach((special, index) => {
      if (tokens[index] !== special) {
        throw new Error(`Vocabulary.fromJSON: token ${index} must be ${special}, got ${JSON.stringify(tokens[index])}`);
      }
    });
    return new Vocabulary(tokens.slice());
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of a token, or the `<unk>` id when the token is unknown. */
  id(token: string): number {
    return this.ids.get(token) ?? UNK_ID;
  }

  token(id: number): string {
    const token = this.tokens[id];
    if (token === undefined) throw new RangeError(`Vocabulary: no token with id ${id} (size ${this.tokens.length})`);
    return token;
  }

  /** Tokenize → ids, truncated to `maxLength`; no `<bos>`/`<eos>` added. */
  encode(text: string, maxLength: number): number[] {
    const tokens = tokenize(text);
    const n = Math.min(tokens.length, Math.max(0, maxLength));
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.id(tokens[i] as string);
    return out;
  }

  /** Ids → text: stops at the first `<eos>`, skips `<pad>` and `<bos>`; unknown ids decode as `<unk>`. */
  decode(ids: readonly number[]): string {
    const tokens: string[] = [];
    for (const id of ids) {
      if (id === EOS_ID) break;
      if (id === PAD_ID || id === BOS_ID) continue;
      tokens.push(this.tokens[id] ?? SPECIAL.unk);
    }
    return detokenize(tokens);
  }

  toJSON(): { tokens: string[] } {
    return { tokens: this.tokens.slice() };
  }
}
