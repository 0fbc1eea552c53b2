/**
 * The compressed form of a dense layer's 0/1 mask that the native sparse kernels read
 * (native/src/sparse.cc): the active entries of w [inputs, outputs] listed twice,
 *   by output column (CSC):  columnStarts[outputs + 1], columnRows[nnz]  (forward pass)
 *   by input row (CSR):      rowStarts[inputs + 1],     rowColumns[nnz]  (both gradients)
 * with indices ascending within each column and row. Only the structure is stored: the kernels read
 * the weight values from the dense variable at these positions, so a layout stays valid for as
 * long as the mask it was built from does not change.
 */

export interface SparseLayout {
  readonly inputs: number;
  readonly outputs: number;
  /** Active entries. */
  readonly nnz: number;
  readonly columnStarts: Int32Array;
  readonly columnRows: Int32Array;
  readonly rowStarts: Int32Array;
  readonly rowColumns: Int32Array;
}

/** Active fraction of the layer, nnz / (inputs · outputs); 1 for an empty shape. */
export function layoutDensity(layout: SparseLayout): number {
  const size = layout.inputs * layout.outputs;
  return size === 0 ? 1 : layout.nnz / size;
}

/**
 * The layout of a row-major [inputs, outputs] mask (entry (i, j) at i·outputs + j; nonzero =
 * active). One pass counts per row and column, a second fills both index lists in ascending order.
 */
export function buildSparseLayout(mask: ArrayLike<number>, inputs: number, outputs: number): SparseLayout {
  if (!Number.isInteger(inputs) || inputs < 0 || !Number.isInteger(outputs) || outputs < 0) {
    throw new RangeError(`'inputs' and 'outputs' passed to buildSparseLayout() must be integers >= 0 but got ${inputs} and ${outputs}`);
  }
  if (mask.length !== inputs * outputs) {
    throw new RangeError(`'mask' passed to buildSparseLayout() must have ${inputs} × ${outputs} = ${inputs * outputs} entries but has ${mask.length}`);
  }
  const columnStarts = new Int32Array(outputs + 1);
  const rowStarts = new Int32Array(inputs + 1);
  for (let i = 0; i < inputs; i++) {
    const base = i * outputs;
    let count = 0;
    for (let j = 0; j < outputs; j++) {
      if (mask[base + j] !== 0) {
        count++;
        columnStarts[j + 1]!++;
      }
    }
    rowStarts[i + 1] = rowStarts[i]! + count;
  }
  for (let j = 0; j < outputs; j++) columnStarts[j + 1]! += columnStarts[j]!;
  const nnz = rowStarts[inputs]!;
  const columnRows = new Int32Array(nnz);
  const rowColumns = new Int32Array(nnz);
  const columnFill = columnStarts.slice(0, outputs);
  let k = 0;
  for (let i = 0; i < inputs; i++) {
    const base = i * outputs;
    for (let j = 0; j < outputs; j++) {
      if (mask[base + j] !== 0) {
        rowColumns[k++] = j;
        columnRows[columnFill[j]!++] = i;
      }
    }
  }
  return Object.freeze({ inputs, outputs, nnz, columnStarts, columnRows, rowStarts, rowColumns });
}
