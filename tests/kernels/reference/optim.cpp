#include "tests/kernels/reference/reference.h"

namespace iqnas::ref {

// PyTorch's SGD, term by term (kernels/optim.h).
SgdState sgd_step(const SgdArgs& a, const Floats& p, const Floats& g, const Floats& buf) {
  SgdState r{Doubles(p.begin(), p.end()), Doubles(buf.begin(), buf.end())};
  for (size_t i = 0; i < p.size(); ++i) {
    const double gi = double(g[i]) + double(a.weight_decay) * p[i];
    double d = gi;
    if (a.momentum != 0) {
      r.buf[i] = a.first_step ? gi : double(a.momentum) * buf[i] + gi;
      d = a.nesterov ? gi + double(a.momentum) * r.buf[i] : r.buf[i];
    }
    r.p[i] -= double(a.lr) * d;
  }
  return r;
}

Doubles ema_update(double decay, const Floats& p, const Floats& ema) {
  Doubles r(p.size());
  for (size_t i = 0; i < p.size(); ++i) r[i] = decay * ema[i] + (1.0 - decay) * p[i];
  return r;
}

}  // namespace iqnas::ref
