/** Signatures of the addon's sparse functions (native/src/sparse.cc). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SparseBindings {}
