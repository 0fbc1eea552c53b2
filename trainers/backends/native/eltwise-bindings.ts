/** Signatures of the addon's eltwise functions (native/src/eltwise.cc). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EltwiseBindings {}
