import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from './yaml.ts';

/** Read back as YAML 1.2 (the `yaml` package's default) and as YAML 1.1 (what kubectl reads). */
function readBoth(text: string): [unknown, unknown] {
  return [parse(text), parse(text, { version: '1.1' })];
}

const TRICKY_STRINGS = [
  '', ' ', 'a', 'yes', 'No', 'ON', 'off', 'y', 'N', 'true', 'False', 'null', 'Null', '~', '0', '0.9', '.9', '1e3', '0x1F', '0o17', '1_000', '1:20',
  '2001-12-14', '.inf', '-.inf', '.NaN', '-', '- a', '-a', '?', '? a', ':', 'a:', 'a: b', 'a:b', '#', '#x', 'a #b', 'a#b', '&a', '*a', '!a', '!!str',
  '|', '>', "'", '"', '"a"', "'a'", '%x', '@x', '`x', '{a}', '[a]', 'a,b', '<<', '=', ' lead', 'trail ', 'two  spaces', '\ttab', 'a\tb',
  'multi\nline', 'multi\nline\n', 'ends\n\n', '\nleading newline', '\n  indented after a newline', 'first\n  indented second', 'trailing blank \nline',
  'blank\n\nline', 'crlf\r\nline', 's3://bucket/prefix', 'nvidia.com/gpu', 'app.kubernetes.io/name', '$(JOB_COMPLETION_INDEX)', '$$(X)', '"$1"',
  "method=rigl,distribution=erk,sparsity=0.9", 'é', 'naïve text', 'emoji 🚀', '\u2028', 'line\u2029sep', '\u0085', '\x7f', '\x00', '\ufeffbom', 'back\\slash',
];

describe('toYaml', () => {
  it.each(TRICKY_STRINGS.map((s) => [JSON.stringify(s), s]))('string %s reads back as the same string in YAML 1.2 and 1.1', (_label, s) => {
    for (const doc of [{ v: s }, [s], { [s === '' ? 'empty' : s]: s }, { nested: { list: [s, { k: s }] } }]) {
      const text = toYaml(doc);
      for (const back of readBoth(text)) expect(back).toEqual(doc);
    }
  });

  it('writes safe strings plain, ambiguous ones quoted, multi-line ones as literal blocks', () => {
    expect(toYaml({ a: 'rigl-harness', b: 's3://bucket/p', c: 'yes', d: '0.9', e: 'a: b' })).toBe(
      ['a: rigl-harness', 'b: s3://bucket/p', 'c: "yes"', 'd: "0.9"', 'e: "a: b"', ''].join('\n'),
    );
    expect(toYaml({ script: 'set -eu\nexec x\n', args: ['-c', 'a\nb'] })).toBe(['script: |', '  set -eu', '  exec x', 'args:', '- "-c"', '- |-', '  a', '  b', ''].join('\n'));
  });

  it('writes numbers, booleans, null and empty collections as YAML reads them', () => {
    // The key "n" is quoted: YAML 1.1 reads a plain n as false.
    const doc = { int: 3, neg: -2, float: 0.25, t: true, f: false, n: null, emptyList: [], emptyMap: {}, list: [1, [2, [3]], { a: [] }] };
    expect(toYaml(doc)).toBe(
      ['int: 3', 'neg: -2', 'float: 0.25', 't: true', 'f: false', '"n": null', 'emptyList: []', 'emptyMap: {}', 'list:', '- 1', '- - 2', '  - - 3', '- a: []', ''].join('\n'),
    );
    for (const back of readBoth(toYaml(doc))) expect(back).toEqual(doc);
  });

  it('leaves out undefined keys, as JSON does', () => {
    expect(toYaml({ a: 1, b: undefined, c: { d: undefined } })).toBe('a: 1\nc: {}\n');
  });

  it('refuses what JSON and Kubernetes cannot carry, naming where it is', () => {
    expect(() => toYaml({ spec: { completions: Number.NaN } })).toThrow(/spec\.completions is NaN/);
    expect(() => toYaml({ spec: [{ x: Infinity }] })).toThrow(/spec\[0\]\.x is Infinity/);
    expect(() => toYaml({ f: () => 1 })).toThrow(/f is a function/);
  });

  it('round-trips a Kubernetes-shaped object exactly', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'rigl-x-0a1b2c3d', annotations: { 'rigl-harness/only': 'method=rigl,sparsity=0.9' } },
      spec: {
        completions: 93,
        template: {
          spec: {
            containers: [
              {
                name: 'trainer',
                args: ['run', 'manifests/a b.json', '--index', '$(JOB_COMPLETION_INDEX)'],
                env: [{ name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 's', key: 'AWS_ACCESS_KEY_ID' } } }],
                resources: { limits: { 'nvidia.com/gpu': 1 } },
              },
            ],
          },
        },
      },
    };
    for (const back of readBoth(toYaml(job))) expect(back).toEqual(job);
  });
});
