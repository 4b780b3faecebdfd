// Direct convolution kernels of the autodiff NTK's convolution op (src/ntk/jacobian/ops/linear.ts): the forward
// pass z = phi(alpha conv(x, W) + b) and the per-example filter gradients G_i = alpha patches_i^T dz_i, with the
// patches read from the (padded) image where they lie instead of an im2col copy of the whole batch.
//
// Why: through im2col + OpenBLAS, a 3x3x32 -> 32 convolution over 500 examples wrote and re-read a 332 MB patch
// matrix twice (forward and filter gradients) and ran OpenBLAS's sgemm at its 32-column shape (~95-115 GFLOP/s of
// ~240). Register-blocked kernels (6 positions x 16 channels of accumulators, the image of one example in cache)
// read each input value from cache and keep the FMA units busy. x86-64 with AVX2 + FMA only (chosen at run time,
// so the same binary runs everywhere); elsewhere `convKernels()` says false and the op keeps im2col + BLAS.
// The TypeScript twin of what these compute is im2col + matmul (test/ntk/conv-kernels.test.ts checks both ways).
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define NTK_CONV_X86 1
#endif

#include "conv.h"
#include "../../linalg/native/args.h"

extern "C" int openblas_get_num_threads(void);

namespace {

// Values of one padded example a thread may hold (512 MB): far above any image a convolution layer sees.
constexpr int64_t kMaxPaddedValues = int64_t{1} << 27;

// A sliding window, as the addon's im2col takes it: [inH, inW, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW].
struct Window {
  int64_t inH, inW, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW;
  // The padded image the kernels read: Hp x Wp x c, the input at (padTop, padLeft), zeros around it.
  int64_t Hp, Wp;
  bool padded;
};

Window ReadWindow(const Args& A, size_t i) {
  const int32_t* p = A.WindowNumbers(i);
  Window w{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], 0, 0, false};
  // The padded image holds the input at (padTop, padLeft): a negative pad (im2col's shifted bands) has no place here.
  if (w.padTop < 0 || w.padLeft < 0) A.Fail(i, "must have non-negative paddings");
  // Rows/columns the window reaches: the last output's last tap.
  const int64_t needH = w.outH == 0 ? 0 : (w.outH - 1) * w.sh + (w.kh - 1) * w.dh + 1;
  const int64_t needW = w.outW == 0 ? 0 : (w.outW - 1) * w.sw + (w.kw - 1) * w.dw + 1;
  w.Hp = std::max(needH, w.padTop + w.inH);
  w.Wp = std::max(needW, w.padLeft + w.inW);
  w.padded = w.padTop > 0 || w.padLeft > 0 || w.Hp > w.inH || w.Wp > w.inW;
  // Each thread holds one padded example: refused here, before any allocation a worker thread could not report.
  if (w.padded && A.Size({w.Hp, w.Wp, w.c}) > kMaxPaddedValues)
    throw Napi::RangeError::New(A.info.Env(), std::string(A.fn) + ": the padded image (" + std::to_string(w.Hp) + " x " + std::to_string(w.Wp) +
                                                   " x " + std::to_string(w.c) + ") exceeds 2^27 values");
  return w;
}

// Offsets in the padded image of patch column c = (ky, kx, ci), and of output position p = (oy, ox).
void Offsets(const Window& w, std::vector<int64_t>* col, std::vector<int64_t>* pos) {
  col->resize(static_cast<size_t>(w.kh * w.kw * w.c));
  size_t q = 0;
  for (int64_t ky = 0; ky < w.kh; ky++)
    for (int64_t kx = 0; kx < w.kw; kx++)
      for (int64_t ci = 0; ci < w.c; ci++) (*col)[q++] = ((ky * w.dh) * w.Wp + kx * w.dw) * w.c + ci;
  pos->resize(static_cast<size_t>(w.outH * w.outW));
  q = 0;
  for (int64_t oy = 0; oy < w.outH; oy++)
    for (int64_t ox = 0; ox < w.outW; ox++) (*pos)[q++] = ((oy * w.sh) * w.Wp + ox * w.sw) * w.c;
}

// The example at x into the zero-padded buffer (only when the window needs padding; else x is read in place).
const float* PaddedImage(const Window& w, const float* x, std::vector<float>* buf) {
  if (!w.padded) return x;
  std::fill(buf->begin(), buf->end(), 0.0f);
  for (int64_t iy = 0; iy < w.inH; iy++)
    std::copy(x + iy * w.inW * w.c, x + (iy + 1) * w.inW * w.c, buf->data() + ((iy + w.padTop) * w.Wp + w.padLeft) * w.c);
  return buf->data();
}

// Runs body(i0, i1) over contiguous ranges of n items on up to OpenBLAS's thread count (the BLAS budget the
// user set: OPENBLAS_NUM_THREADS), the calling thread taking the first range.
// An exception in a worker thread (a buffer that cannot be allocated) is rethrown on the calling thread after every
// thread has joined, where the addon turns it into a JavaScript error.
template <typename F>
void ParallelFor(const Napi::Env& env, const char* fn, int64_t n, F body) {
  const int64_t threads = std::max<int64_t>(1, std::min<int64_t>(openblas_get_num_threads(), n));
  std::vector<std::thread> pool;
  std::vector<char> failed(static_cast<size_t>(threads), 0);
  const int64_t step = (n + threads - 1) / threads;
  auto run = [&](int64_t t) {
    try {
      body(t * step, std::min(n, (t + 1) * step));
    } catch (...) {
      failed[static_cast<size_t>(t)] = 1;
    }
  };
  for (int64_t t = 1; t < threads; t++)
    if (t * step < n) pool.emplace_back(run, t);
  run(0);
  for (auto& th : pool) th.join();
  for (char f : failed)
    if (f) throw Napi::Error::New(env, std::string(fn) + ": out of memory for a thread's buffers");
}

// relu as tfjs and ops/bias-activation.ts compute it, (v + |v|) / 2: NaN stays NaN.
inline float Relu(float v) { return (v + std::fabs(v)) * 0.5f; }

// ---- scalar versions: channels the vector tiles leave (cout % 8), and every channel without AVX2 ----

void ForwardScalar(const float* xp, const int64_t* col, const int64_t* pos, int64_t P, int64_t C, const float* W, int64_t cout,
                   int64_t o0, float alpha, const float* bias, bool relu, float* out) {
  for (int64_t p = 0; p < P; p++)
    for (int64_t o = o0; o < cout; o++) {
      float s = 0;
      for (int64_t c = 0; c < C; c++) s += xp[pos[p] + col[c]] * W[c * cout + o];
      float v = alpha * s + (bias ? bias[o] : 0.0f);
      out[p * cout + o] = relu ? Relu(v) : v;
    }
}

void FilterScalar(const float* xp, const int64_t* col, const int64_t* pos, int64_t P, int64_t C, const float* d, int64_t cout,
                  int64_t o0, float alpha, float* g) {
  for (int64_t c = 0; c < C; c++)
    for (int64_t o = o0; o < cout; o++) {
      float s = 0;
      for (int64_t p = 0; p < P; p++) s += xp[pos[p] + col[c]] * d[p * cout + o];
      g[c * cout + o] = alpha * s;
    }
}

#ifdef NTK_CONV_X86
bool HasAvx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

__attribute__((target("avx2,fma"))) inline __m256 Relu8(__m256 v) {
  const __m256 abs = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
  return _mm256_mul_ps(_mm256_add_ps(v, abs), _mm256_set1_ps(0.5f));
}

// R output positions x V vectors of 8 channels (from o0): z = phi(alpha sum_c x(pos + col[c]) W[c, o] + b[o]).
template <int R, int V>
__attribute__((target("avx2,fma"))) void ForwardTile(const float* xp, const int64_t* col, const int64_t* pos, int64_t C,
                                                       const float* W, int64_t cout, int64_t o0, float alpha,
                                                       const float* bias, bool relu, float* out) {
  __m256 acc[R][V];
  #pragma GCC unroll 8
  for (int r = 0; r < R; r++)
    #pragma GCC unroll 8
    for (int v = 0; v < V; v++) acc[r][v] = _mm256_setzero_ps();
  const float* base[R];
  #pragma GCC unroll 8
  for (int r = 0; r < R; r++) base[r] = xp + pos[r];
  const float* w = W + o0;
  for (int64_t c = 0; c < C; c++, w += cout) {
    __m256 wv[V];
    #pragma GCC unroll 8
    for (int v = 0; v < V; v++) wv[v] = _mm256_loadu_ps(w + 8 * v);
    const int64_t off = col[c];
    #pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      const __m256 b = _mm256_broadcast_ss(base[r] + off);
      #pragma GCC unroll 8
      for (int v = 0; v < V; v++) acc[r][v] = _mm256_fmadd_ps(b, wv[v], acc[r][v]);
    }
  }
  const __m256 a = _mm256_set1_ps(alpha);
  #pragma GCC unroll 8
  for (int v = 0; v < V; v++) {
    const __m256 bv = bias ? _mm256_loadu_ps(bias + o0 + 8 * v) : _mm256_setzero_ps();
    #pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      __m256 z = _mm256_add_ps(_mm256_mul_ps(acc[r][v], a), bv);
      if (relu) z = Relu8(z);
      _mm256_storeu_ps(out + r * cout + o0 + 8 * v, z);
    }
  }
}

template <int V>
__attribute__((target("avx2,fma"))) void ForwardRows(const float* xp, const int64_t* col, const int64_t* pos, int64_t P, int64_t C,
                                                       const float* W, int64_t cout, int64_t o0, float alpha, const float* bias,
                                                       bool relu, float* out) {
  int64_t p = 0;
  for (; p + 6 <= P; p += 6) ForwardTile<6, V>(xp, col, pos + p, C, W, cout, o0, alpha, bias, relu, out + p * cout);
  switch (P - p) {
    case 5: ForwardTile<5, V>(xp, col, pos + p, C, W, cout, o0, alpha, bias, relu, out + p * cout); break;
    case 4: ForwardTile<4, V>(xp, col, pos + p, C, W, cout, o0, alpha, bias, relu, out + p * cout); break;
    case 3: ForwardTile<3, V>(xp, col, pos + p, C, W, cout, o0, alpha, bias, relu, out + p * cout); break;
    case 2: ForwardTile<2, V>(xp, col, pos + p, C, W, cout, o0, alpha, bias, relu, out + p * cout); break;
    case 1: ForwardTile<1, V>(xp, col, pos + p, C, W, cout, o0, alpha, bias, relu, out + p * cout); break;
    default: break;
  }
}

// R patch columns (c0..) x V vectors of 8 channels: G[c, o] = alpha sum_p x(pos[p] + col[c]) d[p, o].
template <int R, int V>
__attribute__((target("avx2,fma"))) void FilterTile(const float* xp, const int64_t* col, const int64_t* pos, int64_t P,
                                                      const float* d, int64_t cout, int64_t o0, float alpha, float* g) {
  __m256 acc[R][V];
  #pragma GCC unroll 8
  for (int r = 0; r < R; r++)
    #pragma GCC unroll 8
    for (int v = 0; v < V; v++) acc[r][v] = _mm256_setzero_ps();
  int64_t off[R];
  #pragma GCC unroll 8
  for (int r = 0; r < R; r++) off[r] = col[r];
  const float* dp = d + o0;
  for (int64_t p = 0; p < P; p++, dp += cout) {
    __m256 dv[V];
    #pragma GCC unroll 8
    for (int v = 0; v < V; v++) dv[v] = _mm256_loadu_ps(dp + 8 * v);
    const float* base = xp + pos[p];
    #pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
      const __m256 b = _mm256_broadcast_ss(base + off[r]);
      #pragma GCC unroll 8
      for (int v = 0; v < V; v++) acc[r][v] = _mm256_fmadd_ps(b, dv[v], acc[r][v]);
    }
  }
  const __m256 a = _mm256_set1_ps(alpha);
  #pragma GCC unroll 8
  for (int r = 0; r < R; r++)
    #pragma GCC unroll 8
    for (int v = 0; v < V; v++) _mm256_storeu_ps(g + r * cout + o0 + 8 * v, _mm256_mul_ps(acc[r][v], a));
}

template <int V>
__attribute__((target("avx2,fma"))) void FilterCols(const float* xp, const int64_t* col, const int64_t* pos, int64_t P, int64_t C,
                                                      const float* d, int64_t cout, int64_t o0, float alpha, float* g) {
  int64_t c = 0;
  for (; c + 6 <= C; c += 6) FilterTile<6, V>(xp, col + c, pos, P, d, cout, o0, alpha, g + c * cout);
  switch (C - c) {
    case 5: FilterTile<5, V>(xp, col + c, pos, P, d, cout, o0, alpha, g + c * cout); break;
    case 4: FilterTile<4, V>(xp, col + c, pos, P, d, cout, o0, alpha, g + c * cout); break;
    case 3: FilterTile<3, V>(xp, col + c, pos, P, d, cout, o0, alpha, g + c * cout); break;
    case 2: FilterTile<2, V>(xp, col + c, pos, P, d, cout, o0, alpha, g + c * cout); break;
    case 1: FilterTile<1, V>(xp, col + c, pos, P, d, cout, o0, alpha, g + c * cout); break;
    default: break;
  }
}
#else
bool HasAvx2() { return false; }
#endif

// One example's forward pass over every channel: vector tiles of 16 and 8 channels, then the scalar rest.
void ForwardExample(const float* xp, const int64_t* col, const int64_t* pos, int64_t P, int64_t C, const float* W, int64_t cout,
                    float alpha, const float* bias, bool relu, float* out) {
  int64_t o0 = 0;
#ifdef NTK_CONV_X86
  if (HasAvx2()) {
    for (; o0 + 16 <= cout; o0 += 16) ForwardRows<2>(xp, col, pos, P, C, W, cout, o0, alpha, bias, relu, out);
    for (; o0 + 8 <= cout; o0 += 8) ForwardRows<1>(xp, col, pos, P, C, W, cout, o0, alpha, bias, relu, out);
  }
#endif
  if (o0 < cout) ForwardScalar(xp, col, pos, P, C, W, cout, o0, alpha, bias, relu, out);
}

void FilterExample(const float* xp, const int64_t* col, const int64_t* pos, int64_t P, int64_t C, const float* d, int64_t cout,
                   float alpha, float* g) {
  int64_t o0 = 0;
#ifdef NTK_CONV_X86
  if (HasAvx2()) {
    for (; o0 + 16 <= cout; o0 += 16) FilterCols<2>(xp, col, pos, P, C, d, cout, o0, alpha, g);
    for (; o0 + 8 <= cout; o0 += 8) FilterCols<1>(xp, col, pos, P, C, d, cout, o0, alpha, g);
  }
#endif
  if (o0 < cout) FilterScalar(xp, col, pos, P, C, d, cout, o0, alpha, g);
}

// convForward(window, x, n, W, cout, alpha, bias | null, relu, out): x [n, inH, inW, c], W [kh kw c, cout],
// out [n, outH, outW, cout] = phi(alpha conv(x, W) + bias) with phi relu or the identity; bias already multiplied.
Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  Args A(info, "convForward", 9);
  Keep keep;
  const Window w = ReadWindow(A, 0);
  const int64_t n = A.Int(2), cout = A.Int(4);
  const float alpha = static_cast<float>(A.Double(5));
  const bool relu = A.Bool(7);
  const int64_t inSize = A.Size({w.inH, w.inW, w.c}), P = A.Size({w.outH, w.outW}), C = A.Size({w.kh, w.kw, w.c});
  const float* x = A.Array<float>(1, A.Size({n, inSize}), &keep);
  const float* W = A.Array<float>(3, A.Size({C, cout}), &keep);
  const float* bias = A.OptionalArray<float>(6, cout, &keep);
  float* out = A.Array<float>(8, A.Size({n, P, cout}), &keep);
  std::vector<int64_t> col, pos;
  Offsets(w, &col, &pos);
  ParallelFor(info.Env(), "convForward", n, [&](int64_t i0, int64_t i1) {
    std::vector<float> buf(w.padded ? static_cast<size_t>(w.Hp * w.Wp * w.c) : 0);
    for (int64_t i = i0; i < i1; i++)
      ForwardExample(PaddedImage(w, x + i * inSize, &buf), col.data(), pos.data(), P, C, W, cout, alpha, bias, relu, out + i * P * cout);
  });
  return info.Env().Undefined();
}

// convFilterGrads(window, x, n, stack, d, cout, alpha, g): x [n, inH, inW, c], d [(n stack), outH outW, cout],
// g [(n stack), kh kw c, cout] with g_r = alpha patches_i^T d_r for row r = i stack + a.
Napi::Value ConvFilterGrads(const Napi::CallbackInfo& info) {
  Args A(info, "convFilterGrads", 8);
  Keep keep;
  const Window w = ReadWindow(A, 0);
  const int64_t n = A.Int(2), stack = A.Int(3), cout = A.Int(5);
  const float alpha = static_cast<float>(A.Double(6));
  const int64_t inSize = A.Size({w.inH, w.inW, w.c}), P = A.Size({w.outH, w.outW}), C = A.Size({w.kh, w.kw, w.c});
  const float* x = A.Array<float>(1, A.Size({n, inSize}), &keep);
  const float* d = A.Array<float>(4, A.Size({n, stack, P, cout}), &keep);
  float* g = A.Array<float>(7, A.Size({n, stack, C, cout}), &keep);
  std::vector<int64_t> col, pos;
  Offsets(w, &col, &pos);
  ParallelFor(info.Env(), "convFilterGrads", n, [&](int64_t i0, int64_t i1) {
    std::vector<float> buf(w.padded ? static_cast<size_t>(w.Hp * w.Wp * w.c) : 0);
    for (int64_t i = i0; i < i1; i++) {
      const float* xp = PaddedImage(w, x + i * inSize, &buf);
      for (int64_t a = 0; a < stack; a++) {
        const int64_t r = i * stack + a;
        FilterExample(xp, col.data(), pos.data(), P, C, d + r * P * cout, cout, alpha, g + r * C * cout);
      }
    }
  });
  return info.Env().Undefined();
}

// Whether the kernels run vectorised here (AVX2 + FMA): without, the op keeps im2col + OpenBLAS, which is faster
// than the scalar loops (kept so the functions give the same results everywhere).
Napi::Value ConvKernels(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), HasAvx2()); }

}  // namespace

void InitConv(Napi::Env env, Napi::Object exports) {
  exports.Set("convForward", Napi::Function::New(env, ConvForward, "convForward"));
  exports.Set("convFilterGrads", Napi::Function::New(env, ConvFilterGrads, "convFilterGrads"));
  exports.Set("convKernels", Napi::Function::New(env, ConvKernels, "convKernels"));
}
