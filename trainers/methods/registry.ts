/**
 * The only place that lists sparse methods (design.md "Canonical ids"). Adding a method is one file
 * exporting a SparseMethodDefinition plus one line here; nothing else branches on method names.
 */
import { InvalidRunConfigError } from '../errors.ts';
import type { MethodId, MethodSpec } from '../run-manifest.ts';
import { denseMethod } from './dense.ts';
import { gmpMethod } from './gmp.ts';
import { riglSgMethod } from './rigl-sg.ts';
import { riglSmMethod } from './rigl-sm.ts';
import { riglMethod } from './rigl.ts';
import { setMethod } from './set.ts';
import { smallDenseMethod } from './small-dense.ts';
import { snfsMethod } from './snfs.ts';
import { staticMethod } from './static.ts';
import type { SparseMethodDefinition } from './types.ts';

type DefinitionOf<K extends MethodId> = SparseMethodDefinition<Extract<MethodSpec, { name: K }>>;

/** id → definition; `satisfies` makes a missing or extra id a type error. */
export const METHODS = Object.freeze({
  dense: denseMethod,
  static: staticMethod,
  set: setMethod,
  snfs: snfsMethod,
  rigl: riglMethod,
  'rigl-sg': riglSgMethod,
  'rigl-sm': riglSmMethod,
  gmp: gmpMethod,
  'small-dense': smallDenseMethod,
} satisfies { [K in MethodId]: DefinitionOf<K> });

// Type-level check that the registry's keys are exactly MethodId (both directions).
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const registryKeysAreMethodIds: Equal<keyof typeof METHODS, MethodId> = true;
void registryKeysAreMethodIds;

/** Every method id, in registry order. */
export const METHOD_IDS = Object.freeze(Object.keys(METHODS)) as readonly MethodId[];

export function isMethodId(id: string): id is MethodId {
  return Object.prototype.hasOwnProperty.call(METHODS, id);
}

/** The definition for `id`; an unknown id throws InvalidRunConfigError listing the known ids. */
export function getMethod(id: string): SparseMethodDefinition {
  if (!isMethodId(id)) {
    throw new InvalidRunConfigError(`unknown method '${id}'; known methods: ${METHOD_IDS.join(', ')}`);
  }
  return METHODS[id] as SparseMethodDefinition;
}

/** The definition for a method spec, typed to take that spec. */
export function methodFor<S extends MethodSpec>(spec: S): SparseMethodDefinition<S> {
  return getMethod(spec.name) as unknown as SparseMethodDefinition<S>;
}
