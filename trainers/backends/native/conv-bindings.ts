/** Signatures of the addon's conv functions (native/src/conv.cc). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ConvBindings {}
