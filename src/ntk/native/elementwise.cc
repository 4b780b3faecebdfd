// The NTK's elementwise passes in C: the explicit route's (they sit between BLAS calls and, in JavaScript, took
// ~20% of an NTK at n = 2000: V8 runs typed-array loops at 2-12 ns per element, unvectorised). Each routine computes what
// its TypeScript twin computes, in the same precision: float32 storage, double arithmetic in between, so that
// both routes give the same bits (src/models/activation-kernels.ts, src/ntk/explicit/features.ts, block.ts).
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "elementwise.h"
#include "../../linalg/native/args.h"
#include "../../linalg/native/mirror.h"

namespace {

// Sync routines: the arrays only need to live for the call, so the kept handles are dropped on return.
// The length of argument i, a Float32Array (checked by Args::Array).
int64_t Length(const Args& A, size_t i) { return static_cast<int64_t>(A.info[i].As<Napi::TypedArray>().ElementLength()); }

// biasActivation(kind, z, slope, cols, b | null, bm): z <- phi(z + bm b) and slope <- phi'(z + bm b), b per
// column of the row-major z. kind: 0 linear, 1 relu (phi'(0) = 0), 2 tanh, 3 sigmoid.
Napi::Value BiasActivation(const Napi::CallbackInfo& info) {
  Args A(info, "biasActivation", 6);
  Keep keep;
  const int kind = A.Int(0);
  float* __restrict z = A.Array<float>(1, 0, &keep);
  const int64_t size = Length(A, 1);
  float* __restrict s = A.Array<float>(2, size, &keep);
  const int64_t cols = A.Int(3, 1);
  if (size % cols != 0) A.Fail(1, "has a length that is not a multiple of cols");
  const float* b = A.OptionalArray<float>(4, cols, &keep);
  const double bm = A.Double(5);
  if (b) {
    for (int64_t row = 0; row < size; row += cols)
      for (int64_t j = 0; j < cols; j++) z[row + j] = static_cast<float>(static_cast<double>(z[row + j]) + bm * static_cast<double>(b[j]));
  }
  switch (kind) {
    case 0:
      for (int64_t p = 0; p < size; p++) s[p] = 1.0f;
      break;
    case 1:
      for (int64_t p = 0; p < size; p++) {
        const float v = z[p];
        const bool on = v > 0.0f;
        s[p] = on ? 1.0f : 0.0f;
        z[p] = on || v != v ? v : 0.0f;  // NaN kept, as tfjs' relu and the TS twin
      }
      break;
    case 2:
      for (int64_t p = 0; p < size; p++) {
        const double t = std::tanh(static_cast<double>(z[p]));
        s[p] = static_cast<float>(1.0 - t * t);
        z[p] = static_cast<float>(t);
      }
      break;
    case 3:
      for (int64_t p = 0; p < size; p++) {
        const double v = z[p];
        const double e = std::exp(-std::fabs(v));
        const double sg = v >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        s[p] = static_cast<float>(sg * (1.0 - sg));
        z[p] = static_cast<float>(sg);
      }
      break;
    default:
      A.Fail(0, "is not an activation kind (0 linear, 1 relu, 2 tanh, 3 sigmoid)");
  }
  return info.Env().Undefined();
}

// multiplyRows(d, slope, n, k, cols): d[(i k + a) cols + j] *= slope[i cols + j] for a < k (the backward pass's
// delta o phi'(z), one slope row for the k output rows of example i).
Napi::Value MultiplyRows(const Napi::CallbackInfo& info) {
  Args A(info, "multiplyRows", 5);
  Keep keep;
  const int64_t n = A.Int(2), k = A.Int(3), cols = A.Int(4);
  float* __restrict d = A.Array<float>(0, A.Size({n, k, cols}), &keep);
  const float* __restrict s = A.Array<float>(1, A.Size({n, cols}), &keep);
  for (int64_t i = 0; i < n; i++)
    for (int64_t a = 0; a < k; a++) {
      float* __restrict row = d + (i * k + a) * cols;
      const float* __restrict srow = s + i * cols;
      for (int64_t j = 0; j < cols; j++) row[j] = static_cast<float>(static_cast<double>(row[j]) * static_cast<double>(srow[j]));
    }
  return info.Env().Undefined();
}

// accumulateLayer(total, dg | null, hg, m2, bm2, rows, cols, lower): total[p] += dg[p] (m2 hg[p] + bm2) over a
// rows x cols block (only j <= i when lower): one layer's weight and bias terms of the 'trace' NTK. Without dg
// (a linear output layer, whose deltas' Gram is a constant folded into m2 and bm2): total[p] += m2 hg[p] + bm2.
Napi::Value AccumulateLayer(const Napi::CallbackInfo& info) {
  Args A(info, "accumulateLayer", 8);
  Keep keep;
  const double m2 = A.Double(3), bm2 = A.Double(4);
  const int64_t rows = A.Int(5), cols = A.Int(6);
  const bool lower = A.Bool(7);
  const int64_t size = A.Size({rows, cols});
  float* __restrict t = A.Array<float>(0, size, &keep);
  const float* dg = A.OptionalArray<float>(1, size, &keep);
  const float* __restrict hg = A.Array<float>(2, size, &keep);
  for (int64_t i = 0; i < rows; i++) {
    const int64_t end = lower ? std::min(cols, i + 1) : cols;
    float* __restrict trow = t + i * cols;
    const float* __restrict hrow = hg + i * cols;
    if (dg) {
      const float* __restrict drow = dg + i * cols;
      for (int64_t j = 0; j < end; j++)
        trow[j] = static_cast<float>(static_cast<double>(trow[j]) + static_cast<double>(drow[j]) * (m2 * static_cast<double>(hrow[j]) + bm2));
    } else {
      for (int64_t j = 0; j < end; j++) trow[j] = static_cast<float>(static_cast<double>(trow[j]) + (m2 * static_cast<double>(hrow[j]) + bm2));
    }
  }
  return info.Env().Undefined();
}

// mirrorLower32(x, R): the lower triangle of the square R x R float32 x copied onto its upper triangle.
Napi::Value MirrorLower32(const Napi::CallbackInfo& info) {
  Args A(info, "mirrorLower32", 2);
  Keep keep;
  const int64_t R = A.Int(1);
  MirrorLower(A.Array<float>(0, A.Size({R, R}), &keep), R);
  return info.Env().Undefined();
}

// The autodiff (Jacobian) route's passes over convolution-sized arrays (src/ntk/jacobian/ops): in JavaScript they
// were ~55% of a CNN NTK at n = 500 (im2col 190 ms, the relu passes 160 ms of ~660 ms).

// im2col(window, x, offset, out, outOffset): the patches of one example, out [outH outW, kh kw c] from x (channels
// last, starting at offset); window = Int32Array [inH, inW, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW].
Napi::Value Im2col(const Napi::CallbackInfo& info) {
  Args A(info, "im2col", 5);
  Keep keep;
  // Paddings may be any int32 here (a band's shifted window; reads outside the input are bounds-checked).
  const int32_t* g = A.WindowNumbers(0);
  const int64_t inH = g[0], inW = g[1], c = g[2], kh = g[3], kw = g[4], sh = g[5], sw = g[6], dh = g[7], dw = g[8], padTop = g[9], padLeft = g[10], outH = g[11], outW = g[12];
  const int64_t offset = A.Int(2), outOffset = A.Int(4);
  const float* x = A.Array<float>(1, A.Sum(offset, A.Size({inH, inW, c})), &keep) + offset;
  float* out = A.Array<float>(3, A.Sum(outOffset, A.Size({outH, outW, kh, kw, c})), &keep) + outOffset;
  int64_t o = 0;
  for (int64_t oy = 0; oy < outH; oy++) {
    for (int64_t ox = 0; ox < outW; ox++) {
      const int64_t ix0 = ox * sw - padLeft;
      for (int64_t ky = 0; ky < kh; ky++) {
        const int64_t iy = oy * sh - padTop + ky * dh;
        if (iy < 0 || iy >= inH) {
          std::fill(out + o, out + o + kw * c, 0.0f);
          o += kw * c;
          continue;
        }
        const float* row = x + iy * inW * c;
        if (dw == 1 && ix0 >= 0 && ix0 + kw <= inW) {
          std::copy(row + ix0 * c, row + (ix0 + kw) * c, out + o);
          o += kw * c;
          continue;
        }
        for (int64_t kx = 0; kx < kw; kx++) {
          const int64_t ix = ix0 + kx * dw;
          if (ix < 0 || ix >= inW) std::fill(out + o, out + o + c, 0.0f);
          else std::copy(row + ix * c, row + (ix + 1) * c, out + o);
          o += c;
        }
      }
    }
  }
  return info.Env().Undefined();
}

// reluBias(z, rows, cout, bias | null): z = relu(z + bias) over [rows, cout], bias already multiplied (float32),
// with the TypeScript formula (v + |v|) / 2 in double, so NaN stays NaN and the bits match.
Napi::Value ReluBias(const Napi::CallbackInfo& info) {
  Args A(info, "reluBias", 4);
  Keep keep;
  const int64_t rows = A.Int(1), cout = A.Int(2);
  float* __restrict z = A.Array<float>(0, A.Size({rows, cout}), &keep);
  const float* bias = A.OptionalArray<float>(3, cout, &keep);
  for (int64_t r = 0; r < rows; r++) {
    float* __restrict zr = z + r * cout;
    for (int64_t o = 0; o < cout; o++) {
      const double v = static_cast<double>(zr[o]) + (bias ? static_cast<double>(bias[o]) : 0.0);
      zr[o] = static_cast<float>((v + std::fabs(v)) * 0.5);
    }
  }
  return info.Env().Undefined();
}

// q = q * [s > 0] over cout values. Without trapping-math GCC vectorises it (a compare and a blend, the same
// bits); with it, it branches on every value: 45 ms against ~6 ms over conv1's 10.8M relu slopes (random signs).
// No code here reads the floating-point exception flags, so not modelling them changes nothing observable.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-trapping-math")))
#endif
static void maskBySlope(float* __restrict q, const float* __restrict s, int64_t cout) {
  for (int64_t o = 0; o < cout; o++) q[o] = q[o] * (s[o] > 0.0f ? 1.0f : 0.0f);
}

// deactivate(dOut, slope | null, relu, n, stack, P, cout, bm, biasRows | null): over stacked cotangents
// dOut [(n stack) P, cout], dz = dOut o phi'(z) (relu: o [slope > 0], slope [n P, cout]); with biasRows
// [(n stack), cout], also bm sum_p dz(p) per (example, output). The TypeScript twin: ops/bias-activation.ts.
Napi::Value Deactivate(const Napi::CallbackInfo& info) {
  Args A(info, "deactivate", 9);
  Keep keep;
  const bool relu = A.Bool(2);
  const int64_t n = A.Int(3), stack = A.Int(4), P = A.Int(5), cout = A.Int(6);
  const double bm = A.Double(7);
  float* __restrict d = A.Array<float>(0, A.Size({n, stack, P, cout}), &keep);
  const float* slope = A.OptionalArray<float>(1, A.Size({n, P, cout}), &keep);
  float* biasRows = A.OptionalArray<float>(8, A.Size({n, stack, cout}), &keep);
  if (!slope && !biasRows) return info.Env().Undefined();
  for (int64_t i = 0; i < n; i++) {
    for (int64_t a = 0; a < stack; a++) {
      const int64_t r = i * stack + a;
      float* __restrict g = biasRows ? biasRows + r * cout : nullptr;
      for (int64_t p = 0; p < P; p++) {
        float* __restrict q = d + (r * P + p) * cout;
        if (slope) {
          const float* __restrict s = slope + (i * P + p) * cout;
          if (relu) maskBySlope(q, s, cout);
          else for (int64_t o = 0; o < cout; o++) q[o] = q[o] * s[o];
        }
        if (g) for (int64_t o = 0; o < cout; o++) g[o] = g[o] + q[o];
      }
      if (g && bm != 1) for (int64_t o = 0; o < cout; o++) g[o] = static_cast<float>(static_cast<double>(g[o]) * bm);
    }
  }
  return info.Env().Undefined();
}

// axpy(n, alpha, x, y): y[q] += alpha x[q] for q < n, in double as the TypeScript twin (ops/channels.ts) computes
// it (the product of two floats is exact in double, so the bits match with or without a fused multiply-add).
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  Args A(info, "axpy", 4);
  Keep keep;
  const int64_t n = A.Int(0);
  const double alpha = A.Double(1);
  const float* __restrict x = A.Array<float>(2, n, &keep);
  float* __restrict y = A.Array<float>(3, n, &keep);
  for (int64_t q = 0; q < n; q++) y[q] = static_cast<float>(static_cast<double>(y[q]) + alpha * static_cast<double>(x[q]));
  return info.Env().Undefined();
}

// channelAffine(x, rows, C, a, b | null, y): y[r, c] = x[r, c] a[c] + b[c] over [rows, C] (batch norm's forward
// pass with its moving statistics folded in, and its input cotangents with b null); y may be x.
Napi::Value ChannelAffine(const Napi::CallbackInfo& info) {
  Args A(info, "channelAffine", 6);
  Keep keep;
  const int64_t rows = A.Int(1), C = A.Int(2);
  const int64_t size = A.Size({rows, C});
  const float* x = A.Array<float>(0, size, &keep);
  const float* __restrict a = A.Array<float>(3, C, &keep);
  const float* __restrict b = A.OptionalArray<float>(4, C, &keep);
  float* y = A.Array<float>(5, size, &keep);
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    for (int64_t c = 0; c < C; c++) {
      const double v = static_cast<double>(xr[c]) * static_cast<double>(a[c]);
      yr[c] = static_cast<float>(b ? v + static_cast<double>(b[c]) : v);
    }
  }
  return info.Env().Undefined();
}

// scaleShiftRows(d, x, mean | null, inv | null, n, stack, P, C, gG | null, gB | null): per-example gradients of a
// per-channel scale and shift after a normalisation, for rows r = i stack + a of d [(n stack), P, C]:
// gG[r, c] += sum_p xhat_i(p, c) d_r(p, c) with xhat = (x - mean) inv (or x itself when mean is null), and
// gB[r, c] += sum_p d_r(p, c). Double arithmetic in the TypeScript twin's order (ops/scale-shift.ts).
Napi::Value ScaleShiftRows(const Napi::CallbackInfo& info) {
  Args A(info, "scaleShiftRows", 10);
  Keep keep;
  const int64_t n = A.Int(4), stack = A.Int(5), P = A.Int(6), C = A.Int(7);
  const float* __restrict d = A.Array<float>(0, A.Size({n, stack, P, C}), &keep);
  const float* __restrict x = A.Array<float>(1, A.Size({n, P, C}), &keep);
  const float* mean = A.OptionalArray<float>(2, C, &keep);
  const float* inv = A.OptionalArray<float>(3, C, &keep);
  if ((mean == nullptr) != (inv == nullptr)) A.Fail(3, "must be given with mean (both or neither)");
  float* gG = A.OptionalArray<float>(8, A.Size({n, stack, C}), &keep);
  float* gB = A.OptionalArray<float>(9, A.Size({n, stack, C}), &keep);
  for (int64_t r = 0; r < n * stack; r++) {
    const int64_t i = r / stack;
    float* __restrict g = gG ? gG + r * C : nullptr;
    float* __restrict h = gB ? gB + r * C : nullptr;
    for (int64_t p = 0; p < P; p++) {
      const float* dr = d + (r * P + p) * C;
      const float* xr = x + (i * P + p) * C;
      for (int64_t c = 0; c < C; c++) {
        const double dv = static_cast<double>(dr[c]);
        if (g) {
          const double xh = mean ? (static_cast<double>(xr[c]) - static_cast<double>(mean[c])) * static_cast<double>(inv[c]) : static_cast<double>(xr[c]);
          g[c] = static_cast<float>(static_cast<double>(g[c]) + xh * dv);
        }
        if (h) h[c] = static_cast<float>(static_cast<double>(h[c]) + dv);
      }
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void InitElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("im2col", Napi::Function::New(env, Im2col, "im2col"));
  exports.Set("reluBias", Napi::Function::New(env, ReluBias, "reluBias"));
  exports.Set("deactivate", Napi::Function::New(env, Deactivate, "deactivate"));
  exports.Set("axpy", Napi::Function::New(env, Axpy, "axpy"));
  exports.Set("channelAffine", Napi::Function::New(env, ChannelAffine, "channelAffine"));
  exports.Set("scaleShiftRows", Napi::Function::New(env, ScaleShiftRows, "scaleShiftRows"));
  exports.Set("biasActivation", Napi::Function::New(env, BiasActivation, "biasActivation"));
  exports.Set("multiplyRows", Napi::Function::New(env, MultiplyRows, "multiplyRows"));
  exports.Set("accumulateLayer", Napi::Function::New(env, AccumulateLayer, "accumulateLayer"));
  exports.Set("mirrorLower32", Napi::Function::New(env, MirrorLower32, "mirrorLower32"));
}
