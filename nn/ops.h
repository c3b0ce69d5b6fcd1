// All differentiable ops (see nn/ops/*.h).
#pragma once
#include "nn/ops/activation.h"
#include "nn/ops/arith.h"
#include "nn/ops/conv.h"
#include "nn/ops/loss.h"
#include "nn/ops/norm.h"
