import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, MAX_JSON_DEPTH, parseJsonWithPositions, pointerOf } from './json-source.ts';

describe('parseJsonWithPositions', () => {
  it('parses like JSON.parse and records where each value starts', () => {
    const text = '{\n  "a": [1, {"b/c": true}],\n  "s": "x\\n\\u00e9"\n}';
    const { value, positions } = parseJsonWithPositions(text);
    expect(value).toEqual(JSON.parse(text));
    expect(positions.get('')).toEqual({ line: 1, column: 1 });
    // Object members are located at their key.
    expect(positions.get('/a')).toEqual({ line: 2, column: 3 });
    expect(positions.get('/a/0')).toEqual({ line: 2, column: 9 });
    expect(positions.get('/a/1/b~1c')).toEqual({ line: 2, column: 13 });
    expect(positions.get('/s')).toEqual({ line: 3, column: 3 });
  });

  it('reports a syntax error with line and column', () => {
    const text = '{\n  "kind": "run",\n  "x": [1, 2,, 3]\n}';
    expect(() => parseJsonWithPositions(text)).toThrow(JsonSyntaxError);
    try {
      parseJsonWithPositions(text);
    } catch (error) {
      const e = error as JsonSyntaxError;
      expect(e.position).toEqual({ line: 3, column: 14 });
      expect(e.expected).toBe('a JSON value');
      expect(e.found).toBe('character ","');
    }
  });

  it('rejects duplicate keys, which JSON.parse would silently resolve', () => {
    expect(() => parseJsonWithPositions('{"a": 1,\n "a": 2}')).toThrow(/each key once per object but found a second "a" at line 2, column 2/);
  });

  it('rejects trailing content, unterminated strings and raw control characters', () => {
    expect(() => parseJsonWithPositions('{} x')).toThrow(/line 1, column 4/);
    expect(() => parseJsonWithPositions('"abc')).toThrow(/end of input inside a string/);
    expect(() => parseJsonWithPositions('"a\tb"')).toThrow(/raw control character/);
  });

  it('names the pointer of the value a syntax error is in', () => {
    try {
      parseJsonWithPositions('{"run": {"training": {"epochs": 1,, "x": 2}}}');
      expect.unreachable();
    } catch (error) {
      expect((error as JsonSyntaxError).pointer).toBe('/run/training');
    }
    try {
      parseJsonWithPositions('{"a": {"k": 1, "k": 2}}');
      expect.unreachable();
    } catch (error) {
      expect((error as JsonSyntaxError).pointer).toBe('/a/k');
    }
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels instead of overflowing the stack`, () => {
    const ok = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(() => parseJsonWithPositions(ok)).not.toThrow();
    const deep = `{"a":${'['.repeat(100_000)}`;
    expect(() => parseJsonWithPositions(deep)).toThrow(/expected arrays and objects nested at most 64 deep but found an array nested deeper/);
  });

  it('keeps "__proto__" as data', () => {
    const { value } = parseJsonWithPositions('{"__proto__": {"polluted": 1}}');
    expect(Object.keys(value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('builds escaped pointers', () => {
    expect(pointerOf(['a/b', 'c~d', 0])).toBe('/a~1b/c~0d/0');
  });
});
