// The SGD step on listed entries of a masked weight, shared by sgdStepRows (optim.cc) and the
// sparse layer's fused backward + step (sparse.cc). Compiled in optim.cc for the baseline ISA (no
// FMA contraction), so every caller gets the same bits as sgdStep's tensor-path-equal arithmetic.
#pragma once

#include <cstdint>

namespace rigl {

struct SgdHyper {
  float lr, mu, weight_decay;
  bool nesterov;
};

// For k < count, with index j = columns[k] and gradient grads[k] of an active entry (mask 1) of
// one row w_row / v_row: g ← grads[k] + λ·w_row[j] (λ = 0: no decay term), v ← μ·v + g (v ← g when
// μ = 0), w ← w − lr·(nesterov ? g + μ·v : v). The same operations, in the same order, as sgdStep
// with mask 1 (the mask's multiply by 1 leaves g unchanged).
void sgd_active_row(const SgdHyper& h, float* w_row, float* v_row, const int32_t* columns, const float* grads, int64_t count);

}  // namespace rigl
