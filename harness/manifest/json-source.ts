/**
 * A strict JSON parser that remembers where each value starts, so manifest errors can say
 * `file:line:column` for a JSON pointer, and syntax errors say where they are (Node 20's JSON.parse
 * does not always give a position). It also rejects duplicate keys, which JSON.parse silently
 * resolves to the last one, and nesting deeper than MAX_JSON_DEPTH (a manifest nests a few levels;
 * a hostile file nested thousands deep would otherwise overflow the stack). Every syntax error
 * names the JSON pointer of the value it occurred in.
 */

/** Deepest nesting of arrays and objects accepted (manifests use fewer than ten levels). */
export const MAX_JSON_DEPTH = 64;

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units. */
  column: number;
}

export interface ParsedJson {
  value: unknown;
  /** JSON pointer → position of the value (for object members: of the key). */
  positions: Map<string, SourcePosition>;
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly expected: string,
    readonly found: string,
    readonly position: SourcePosition,
    /** The innermost value being parsed ("" = the document). */
    readonly pointer: string = '',
  ) {
    super(`expected ${expected} but found ${found} at line ${position.line}, column ${position.column}`);
    this.name = 'JsonSyntaxError';
  }
}

/** RFC 6901 escaping of one pointer segment. */
export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointerOf(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${escapePointerSegment(String(s))}`).join('');
}

export function parseJsonWithPositions(text: string): ParsedJson {
  return new Parser(text).parseDocument();
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Parser {
  private index = 0;
  /** Pointer of the innermost value being parsed, for errors. */
  private pointer = '';
  private readonly positions = new Map<string, SourcePosition>();
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  parseDocument(): ParsedJson {
    // A UTF-8 byte-order mark is tolerated, as editors write it.
    if (this.text.charCodeAt(0) === 0xfeff) this.index = 1;
    this.skipWhitespace();
    const value = this.parseValue('', 0);
    this.skipWhitespace();
    if (this.index < this.text.length) this.fail('the end of the document after the JSON value');
    return { value, positions: this.positions };
  }

  private position(at: number): SourcePosition {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= at) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: at - this.lineStarts[low]! + 1 };
  }

  private fail(expected: string, found: string = this.describeHere(), at = this.index, pointer = this.pointer): never {
    throw new JsonSyntaxError(expected, found, this.position(at), pointer);
  }

  private describeHere(): string {
    if (this.index >= this.text.length) return 'end of input';
    return `character ${JSON.stringify(this.text[this.index])}`;
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.index);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.index++;
      else return;
    }
  }

  private parseValue(pointer: string, depth: number): unknown {
    if (!this.positions.has(pointer)) this.positions.set(pointer, this.position(this.index));
    const parent = this.pointer;
    this.pointer = pointer;
    const value = this.parseValueHere(pointer, depth);
    this.pointer = parent;
    return value;
  }

  private parseValueHere(pointer: string, depth: number): unknown {
    const c = this.text[this.index];
    if ((c === '{' || c === '[') && depth >= MAX_JSON_DEPTH) this.fail(`arrays and objects nested at most ${MAX_JSON_DEPTH} deep`, `${c === '{' ? 'an object' : 'an array'} nested deeper`);
    switch (c) {
      case '{':
        return this.parseObject(pointer, depth + 1);
      case '[':
        return this.parseArray(pointer, depth + 1);
      case '"':
        return this.parseString();
      case 't':
        return this.parseLiteral('true', true);
      case 'f':
        return this.parseLiteral('false', false);
      case 'n':
        return this.parseLiteral('null', null);
      default: {
        NUMBER.lastIndex = this.index;
        const match = NUMBER.exec(this.text);
        if (match === null) this.fail('a JSON value');
        this.index += match[0].length;
        return Number(match[0]);
      }
    }
  }

  private parseLiteral<T>(word: string, value: T): T {
    if (this.text.startsWith(word, this.index)) {
      this.index += word.length;
      return value;
    }
    return this.fail('a JSON value');
  }

  private parseString(): string {
    const start = this.index;
    this.index++; // opening quote
    for (;;) {
      if (this.index >= this.text.length) this.fail('a closing \'"\'', 'the end of input inside a string', start);
      const c = this.text.charCodeAt(this.index);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('an escaped control character', 'a raw control character in a string');
      if (c === 0x5c) {
        const next = this.text[this.index + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.index + 2, this.index + 6))) this.fail('four hex digits after \\u', 'a malformed \\u escape');
          this.index += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) this.fail('a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)', 'a bad escape in a string');
        this.index += 2;
        continue;
      }
      this.index++;
    }
    this.index++; // closing quote
    return JSON.parse(this.text.slice(start, this.index)) as string;
  }

  private parseObject(pointer: string, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.index++;
    this.skipWhitespace();
    if (this.text[this.index] === '}') {
      this.index++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.index] !== '"') this.fail('a property name in double quotes');
      const keyAt = this.index;
      const key = this.parseString();
      const childPointer = `${pointer}/${escapePointerSegment(key)}`;
      if (seen.has(key)) this.fail('each key once per object', `a second ${JSON.stringify(key)}`, keyAt, childPointer);
      seen.add(key);
      this.positions.set(childPointer, this.position(keyAt));
      this.skipWhitespace();
      if (this.text[this.index] !== ':') this.fail("':' after the property name");
      this.index++;
      this.skipWhitespace();
      const value = this.parseValue(childPointer, depth);
      // defineProperty: a "__proto__" key is data, never the prototype.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipWhitespace();
      const c = this.text[this.index];
      if (c === ',') {
        this.index++;
        continue;
      }
      if (c === '}') {
        this.index++;
        return out;
      }
      this.fail("',' or '}' after a property value");
    }
  }

  private parseArray(pointer: string, depth: number): unknown[] {
    const out: unknown[] = [];
    this.index++;
    this.skipWhitespace();
    if (this.text[this.index] === ']') {
      this.index++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.parseValue(`${pointer}/${out.length}`, depth));
      this.skipWhitespace();
      const c = this.text[this.index];
      if (c === ',') {
        this.index++;
        continue;
      }
      if (c === ']') {
        this.index++;
        return out;
      }
      this.fail("',' or ']' after an array element");
    }
  }
}
