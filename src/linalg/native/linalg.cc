// ntk-lab's linear-algebra addon: thin N-API bindings to OpenBLAS (CBLAS) and LAPACK (Fortran routines
// inside libopenblas). See src/linalg/native.ts for the JavaScript-side contract.
//
// Design:
// - The caller (TypeScript) allocates every output and validates every shape; this file re-checks types
//   and lengths only so that no argument, however wrong, can make it read or write out of bounds.
// - All matrices are row-major. CBLAS takes row-major directly. LAPACK is column-major: a row-major
//   symmetric matrix is its own column-major image (UPLO='U' reads the row-major lower triangle, 'L' the
//   upper one); outputs that come back column-major are transposed here, in C, once.
// - LAPACK is called through its Fortran symbols with workspace sizes computed in integer arithmetic
//   (max of the documented minimum and the workspace query). LAPACKE_ssyevd's float workspace query
//   fails at n = 4000 with vectors; going around LAPACKE avoids that class of bug entirely.
// - Every routine takes a trailing `async` flag. false: run now, return LAPACK's info. true: run on
//   libuv's thread pool (Napi::AsyncWorker) and return a Promise of info; persistent references keep
//   the typed arrays alive until the work completes.
// - One process-wide mutex serialises BLAS/LAPACK calls: OpenBLAS has a history of thread-safety bugs
//   when entered from several threads at once, and on a small machine its own threads already use all
//   cores, so concurrency between calls would gain nothing.

#include <napi.h>

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <limits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "../../ntk/native/conv.h"
#include "../../ntk/native/elementwise.h"
#include "args.h"
#include "mirror.h"
#include "staging.h"

extern "C" {
#include <cblas.h>

// LAPACK (Fortran ABI, as exported by libopenblas). The trailing size_t arguments are gfortran's hidden
// lengths of the CHARACTER arguments.
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
             const int* lwork, int* iwork, const int* liwork, int* info, size_t, size_t);
void dsyevr_(const char* jobz, const char* range, const char* uplo, const int* n, double* a, const int* lda,
             const double* vl, const double* vu, const int* il, const int* iu, const double* abstol, int* m,
             double* w, double* z, const int* ldz, int* isuppz, double* work, const int* lwork, int* iwork,
             const int* liwork, int* info, size_t, size_t, size_t);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s, double* u,
             const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork, int* iwork, int* info,
             size_t);

// OpenBLAS introspection (declared here so that the build does not depend on which cblas.h is found).
char* openblas_get_config(void);
char* openblas_get_corename(void);
int openblas_get_num_threads(void);
}

namespace {

std::mutex g_blas_mutex;

// ---------------------------------------------------------------------------------------------------------
// Small dense helpers

// In-place transpose of a square row-major n x n matrix, tiled so both sides stay in cache.
void TransposeSquare(double* a, int64_t n) {
  const int64_t B = 32;
  for (int64_t i0 = 0; i0 < n; i0 += B) {
    for (int64_t j0 = i0; j0 < n; j0 += B) {
      const int64_t i1 = std::min(n, i0 + B), j1 = std::min(n, j0 + B);
      for (int64_t i = i0; i < i1; i++) {
        for (int64_t j = std::max(j0, i + 1); j < j1; j++) std::swap(a[i * n + j], a[j * n + i]);
      }
    }
  }
}


// Workspace size: the larger of LAPACK's documented minimum (exact, integer) and its query answer
// (a double, which may round down for huge sizes); throws if it does not fit LAPACK's 32-bit integer.
int WorkSize(int64_t minimum, double queried, const char* routine) {
  int64_t q = std::isfinite(queried) && queried > 0 ? static_cast<int64_t>(std::ceil(queried)) : 0;
  int64_t w = std::max<int64_t>({minimum, q, 1});
  if (w > INT_MAX) throw std::length_error(std::string(routine) + ": workspace exceeds LAPACK's 32-bit integer range");
  return static_cast<int>(w);
}

// A workspace LAPACK writes before reading: skip std::vector's zero fill (2n^2 doubles for dsyevd 'V').
template <typename T>
std::unique_ptr<T[]> Uninit(int count) {
  return std::unique_ptr<T[]>(new T[static_cast<size_t>(std::max(1, count))]);
}

// ---------------------------------------------------------------------------------------------------------
// Jobs: the work of one call, runnable on any thread (no N-API calls inside Run).

struct Job {
  virtual ~Job() = default;
  virtual int Run() = 0;  // returns LAPACK's info (0 for BLAS)
};

template <typename T>
struct GemmJob : Job {
  bool ta, tb;
  int m, n, k;
  T alpha;
  const T* a;
  const T* b;
  T* c;
  int Run() override {
    const int lda = ta ? m : k, ldb = tb ? k : n;
    const CBLAS_TRANSPOSE opA = ta ? CblasTrans : CblasNoTrans, opB = tb ? CblasTrans : CblasNoTrans;
    if constexpr (sizeof(T) == 4) {
      cblas_sgemm(CblasRowMajor, opA, opB, m, n, k, alpha, a, std::max(1, lda), b, std::max(1, ldb), 0.0f, c,
                  std::max(1, n));
    } else {
      cblas_dgemm(CblasRowMajor, opA, opB, m, n, k, alpha, a, std::max(1, lda), b, std::max(1, ldb), 0.0, c,
                  std::max(1, n));
    }
    return 0;
  }
};

template <typename T>
struct SyrkJob : Job {
  bool trans;
  int n, k;
  T alpha;
  const T* a;
  T* c;
  int Run() override {
    const int lda = std::max(1, trans ? n : k);
    const CBLAS_TRANSPOSE op = trans ? CblasTrans : CblasNoTrans;
    if constexpr (sizeof(T) == 4) {
      cblas_ssyrk(CblasRowMajor, CblasLower, op, n, k, alpha, a, lda, 0.0f, c, std::max(1, n));
    } else {
      cblas_dsyrk(CblasRowMajor, CblasLower, op, n, k, alpha, a, lda, 0.0, c, std::max(1, n));
    }
    MirrorLower(c, n);
    return 0;
  }
};

struct SyevdJob : Job {
  int n;
  double* a;
  double* w;
  bool vectors;
  int Run() override {
    // UPLO='L' (the row-major upper triangle): with OpenBLAS 0.3.21, dsytrd's 'L' path (dsymv_L) measured
    // ~8% faster than 'U' at n = 2000; numpy uses 'L' too. The TypeScript side makes the matrix symmetric.
    const char jobz = vectors ? 'V' : 'N', uplo = 'L';
    const int64_t n64 = n;
    // Documented minima (LAPACK dsyevd): jobz='N': 2n+1 / 1; jobz='V': 1+6n+2n^2 / 3+5n.
    const int64_t lwmin = n <= 1 ? 1 : (vectors ? 1 + 6 * n64 + 2 * n64 * n64 : 2 * n64 + 1);
    const int64_t liwmin = n <= 1 ? 1 : (vectors ? 3 + 5 * n64 : 1);
    int info = 0, query = -1, iq = 0;
    double wq = 0;
    dsyevd_(&jobz, &uplo, &n, a, &n, w, &wq, &query, &iq, &query, &info, 1, 1);
    if (info != 0) return info;
    const int lwork = WorkSize(lwmin, wq, "dsyevd"), liwork = WorkSize(liwmin, iq, "dsyevd");
    auto work = Uninit<double>(lwork);
    auto iwork = Uninit<int>(liwork);
    dsyevd_(&jobz, &uplo, &n, a, &n, w, work.get(), &lwork, iwork.get(), &liwork, &info, 1, 1);
    // LAPACK leaves eigenvector j in column j, column-major; read row-major that is row j: transpose.
    if (info == 0 && vectors) TransposeSquare(a, n);
    return info;
  }
};

struct SyevrJob : Job {
  int n, il, iu;
  double* a;
  double* w;  // length iu - il + 1
  double* z;  // n x m row-major, or null for values only
  int Run() override {
    const char jobz = z ? 'V' : 'N', range = 'I', uplo = 'L';  // as in SyevdJob
    const int m = iu - il + 1;
    const int64_t n64 = n;
    const double vl = 0, vu = 0, abstol = 0;
    int found = 0, info = 0, query = -1, iq = 0;
    double wq = 0;
    std::vector<double> wall(static_cast<size_t>(std::max(1, n)));  // dsyevr needs W of length n
    std::vector<double> zc(z ? static_cast<size_t>(n64 * m) : 1);    // column-major n x m
    std::vector<int> isuppz(static_cast<size_t>(2 * std::max(1, m)));
    const int ldz = z ? std::max(1, n) : 1;
    dsyevr_(&jobz, &range, &uplo, &n, a, &n, &vl, &vu, &il, &iu, &abstol, &found, wall.data(), zc.data(), &ldz,
            isuppz.data(), &wq, &query, &iq, &query, &info, 1, 1, 1);
    if (info != 0) return info;
    // Documented minima (LAPACK dsyevr): lwork >= max(1, 26n), liwork >= max(1, 10n).
    const int lwork = WorkSize(26 * n64, wq, "dsyevr"), liwork = WorkSize(10 * n64, iq, "dsyevr");
    auto work = Uninit<double>(lwork);
    auto iwork = Uninit<int>(liwork);
    dsyevr_(&jobz, &range, &uplo, &n, a, &n, &vl, &vu, &il, &iu, &abstol, &found, wall.data(), zc.data(), &ldz,
            isuppz.data(), work.get(), &lwork, iwork.get(), &liwork, &info, 1, 1, 1);
    if (info != 0) return info;
    if (found != m) throw std::runtime_error("dsyevr returned " + std::to_string(found) + " eigenvalues, expected " + std::to_string(m));
    std::copy(wall.begin(), wall.begin() + m, w);
    if (z) {
      for (int64_t i = 0; i < n64; i++)
        for (int64_t j = 0; j < m; j++) z[i * m + j] = zc[j * n64 + i];
    }
    return 0;
  }
};

struct PotrfJob : Job {
  int n;
  double* a;
  int Run() override {
    const char uplo = 'U';  // Fortran upper of the column-major image == row-major lower
    int info = 0;
    dpotrf_(&uplo, &n, a, &n, &info, 1);
    if (info == 0) {
      const int64_t n64 = n;
      for (int64_t i = 0; i < n64; i++) std::fill(a + i * n64 + i + 1, a + (i + 1) * n64, 0.0);
    }
    return info;
  }
};

struct PotrsJob : Job {
  int n, nrhs;
  const double* l;
  double* x;
  int Run() override {
    // L Y = B, then L^T X = Y; row-major CBLAS needs no transposes of B.
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, nrhs, 1.0, l, n, x, nrhs);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, n, nrhs, 1.0, l, n, x, nrhs);
    return 0;
  }
};

struct GesddJob : Job {
  int m, n;  // of the row-major A
  double* a;
  double* s;
  double* u;   // m x p row-major
  double* vt;  // p x n row-major
  int Run() override {
    // LAPACK sees A^T (n x m, column-major, lda = n). Its SVD A^T = U' S V'^T gives A = V' S U'^T, and
    // the column-major buffers VT' (p x m, ldvt = p) and U' (n x p, ldu = n) are, byte for byte, the
    // row-major U (m x p) and V^T (p x n) we want.
    const char jobz = 'S';
    const int fm = n, fn = m, p = std::min(m, n);
    const int lda = std::max(1, fm), ldu = std::max(1, fm), ldvt = std::max(1, p);
    const int64_t mn = p, mx = std::max(m, n);
    std::vector<int> iwork(static_cast<size_t>(8 * std::max<int64_t>(1, mn)));
    int info = 0, query = -1;
    double wq = 0;
    dgesdd_(&jobz, &fm, &fn, a, &lda, s, vt, &ldu, u, &ldvt, &wq, &query, iwork.data(), &info, 1);
    if (info != 0) return info;
    // Documented minimum for JOBZ='S': 3 mn + max(mx, 4 mn^2 + 4 mn).
    const int lwork = WorkSize(3 * mn + std::max(mx, 4 * mn * mn + 4 * mn), wq, "dgesdd");
    auto work = Uninit<double>(lwork);
    dgesdd_(&jobz, &fm, &fn, a, &lda, s, vt, &ldu, u, &ldvt, work.get(), &lwork, iwork.data(), &info, 1);
    return info;
  }
};

// Runs a job under the BLAS mutex, turning C++ exceptions into messages.
int RunLocked(Job& job, std::string* error) {
  try {
    std::lock_guard<std::mutex> lock(g_blas_mutex);
    return job.Run();
  } catch (const std::bad_alloc&) {
    *error = "ntk_linalg: out of memory allocating a LAPACK workspace";
  } catch (const std::exception& e) {
    *error = std::string("ntk_linalg: ") + e.what();
  }
  return 0;
}

class JobWorker : public Napi::AsyncWorker {
 public:
  JobWorker(Napi::Env env, std::unique_ptr<Job> job, Staging& staging)
      : Napi::AsyncWorker(env, "ntk_linalg"), job_(std::move(job)), deferred_(Napi::Promise::Deferred::New(env)),
        copies_(std::move(staging.copies_)) {
    for (const auto& o : staging.outputs()) outputs_.push_back(Napi::Persistent(o));
    for (const auto& o : staging.held()) held_.push_back(Napi::Persistent(o));
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    std::string error;
    info_ = RunLocked(*job_, &error);
    if (!error.empty()) SetError(error);
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = Napi::Object::New(env);
    Napi::Array outputs = Napi::Array::New(env, outputs_.size());
    for (size_t i = 0; i < outputs_.size(); i++) outputs.Set(static_cast<uint32_t>(i), outputs_[i].Value());
    result.Set("info", Napi::Number::New(env, info_));
    result.Set("outputs", outputs);
    deferred_.Resolve(result);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  std::unique_ptr<Job> job_;
  Napi::Promise::Deferred deferred_;
  // The arrays the job writes (allocated by the addon, unreachable from JavaScript until OnOK) and the
  // addon-owned copies of what it reads (Staging): nothing JavaScript can detach is touched off the main thread.
  std::vector<Napi::ObjectReference> outputs_;
  std::vector<Napi::ObjectReference> held_;  // caller arrays written in place (Staging::Out)
  std::vector<std::unique_ptr<unsigned char[]>> copies_;
  int info_ = 0;
};

// Runs the job now (sync: LAPACK's info) or on libuv's pool (async: a Promise of { info, outputs }).
Napi::Value Dispatch(Napi::Env env, std::unique_ptr<Job> job, Staging& staging) {
  if (staging.async()) {
    auto* w = new JobWorker(env, std::move(job), staging);  // freed by N-API after OnOK/OnError
    Napi::Promise p = w->Promise();
    w->Queue();
    return p;
  }
  std::string error;
  const int info = RunLocked(*job, &error);
  if (!error.empty()) throw Napi::Error::New(env, error);
  return Napi::Number::New(env, info);
}

// info = 0 without any work: a number, or an already-resolved Promise of { info: 0, outputs }.
Napi::Value Done(Napi::Env env, const Staging& staging) {
  if (!staging.async()) return Napi::Number::New(env, 0);
  Napi::Object result = Napi::Object::New(env);
  Napi::Array outputs = Napi::Array::New(env, staging.outputs().size());
  for (size_t i = 0; i < staging.outputs().size(); i++) outputs.Set(static_cast<uint32_t>(i), staging.outputs()[i]);
  result.Set("info", Napi::Number::New(env, 0));
  result.Set("outputs", outputs);
  auto d = Napi::Promise::Deferred::New(env);
  d.Resolve(result);
  return d.Promise();
}


template <typename T>
Napi::Value GemmT(const Args& A) {
  Staging st(A, A.Bool(9));
  auto job = std::make_unique<GemmJob<T>>();
  job->ta = A.Bool(0);
  job->tb = A.Bool(1);
  job->m = A.Int(2);
  job->n = A.Int(3);
  job->k = A.Int(4);
  job->alpha = static_cast<T>(A.Double(5));
  const int64_t m = job->m, n = job->n, k = job->k;
  job->a = st.In<T>(6, A.Size({m, k}));
  job->b = st.In<T>(7, A.Size({k, n}));
  job->c = st.Out<T>(8, A.Size({m, n}));
  if (m == 0 || n == 0 || k == 0) {  // BLAS would reject leading dimensions of 0; the answer is zeros
    if (!A.info[8].IsNull()) std::fill(job->c, job->c + m * n, T(0));  // the caller's array; an allocated one is zeroed
    return Done(A.info.Env(), st);
  }
  return Dispatch(A.info.Env(), std::move(job), st);
}

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args A(info, "gemm", 10);
  return A.Kind(6) == napi_float32_array ? GemmT<float>(A) : GemmT<double>(A);
}

// gemmBatched(transA, transB, batch, m, n, k, alpha, a, strideA, b, strideB, c): float32, sync,
// c[t] (m x n) = alpha op(a[t]) op(b[t]) for t < batch, a[t] = a + t strideA (0: one matrix for every t, as a
// broadcast batch dimension), b likewise, c packed. One call for the whole batch: tfjs's BatchMatMul over many
// small matrices (attention's [197, 16, 32] x [197, 32, 32]) paid more per N-API call than per product.
Napi::Value GemmBatched(const Napi::CallbackInfo& info) {
  Args A(info, "gemmBatched", 12);
  Keep keep;
  const bool ta = A.Bool(0), tb = A.Bool(1);
  const int batch = A.Int(2), m = A.Int(3), n = A.Int(4), k = A.Int(5);
  const float alpha = static_cast<float>(A.Double(6));
  const int64_t sa = A.Int(8), sb = A.Int(10);
  const int64_t mk = A.Size({m, k}), kn = A.Size({k, n}), mn = A.Size({m, n});
  if (batch > 0 && ((sa != 0 && sa < mk) || (sb != 0 && sb < kn)))
    throw Napi::RangeError::New(info.Env(), "gemmBatched: a stride is below its matrix size (the matrices would overlap)");
  const int64_t last = batch > 0 ? batch - 1 : 0;
  const float* a = A.Array<float>(7, batch ? A.Sum(A.Size({last, sa}), mk) : 0, &keep);
  const float* b = A.Array<float>(9, batch ? A.Sum(A.Size({last, sb}), kn) : 0, &keep);
  float* c = A.Array<float>(11, A.Size({batch, mn}), &keep);
  if (m == 0 || n == 0) return info.Env().Undefined();
  if (k == 0) {
    std::fill(c, c + batch * mn, 0.0f);
    return info.Env().Undefined();
  }
  const int lda = ta ? m : k, ldb = tb ? k : n;
  const CBLAS_TRANSPOSE opA = ta ? CblasTrans : CblasNoTrans, opB = tb ? CblasTrans : CblasNoTrans;
  for (int t = 0; t < batch; t++)
    cblas_sgemm(CblasRowMajor, opA, opB, m, n, k, alpha, a + t * sa, lda, b + t * sb, ldb, 0.0f, c + t * mn, n);
  return info.Env().Undefined();
}

template <typename T>
Napi::Value SyrkT(const Args& A) {
  Staging st(A, A.Bool(6));
  auto job = std::make_unique<SyrkJob<T>>();
  job->trans = A.Bool(0);
  job->n = A.Int(1);
  job->k = A.Int(2);
  job->alpha = static_cast<T>(A.Double(3));
  const int64_t n = job->n, k = job->k;
  job->a = st.In<T>(4, A.Size({n, k}));
  job->c = st.Out<T>(5, A.Size({n, n}));
  return Dispatch(A.info.Env(), std::move(job), st);
}

Napi::Value Syrk(const Napi::CallbackInfo& info) {
  Args A(info, "syrk", 7);
  return A.Kind(4) == napi_float32_array ? SyrkT<float>(A) : SyrkT<double>(A);
}

Napi::Value Syevd(const Napi::CallbackInfo& info) {
  Args A(info, "syevd", 5);
  Staging st(A, A.Bool(4));
  auto job = std::make_unique<SyevdJob>();
  job->n = A.Int(0, 1);
  const int64_t n = job->n;
  job->vectors = A.Bool(3);
  // With vectors, a comes back holding them; without, LAPACK only destroys it.
  job->a = job->vectors ? st.InOut<double>(1, A.Size({n, n})) : st.Work<double>(1, A.Size({n, n}));
  job->w = st.Out<double>(2, n);
  return Dispatch(info.Env(), std::move(job), st);
}

Napi::Value Syevr(const Napi::CallbackInfo& info) {
  Args A(info, "syevr", 7);
  Staging st(A, A.Bool(6));
  auto job = std::make_unique<SyevrJob>();
  job->n = A.Int(0, 1);
  job->il = A.Int(2, 1);
  job->iu = A.Int(3, 1);
  if (job->il > job->iu || job->iu > job->n) A.Fail(3, "must satisfy 1 <= il <= iu <= n");
  const int64_t n = job->n, m = job->iu - job->il + 1;
  job->a = st.Work<double>(1, A.Size({n, n}));
  job->w = st.Out<double>(4, m);
  job->z = st.OptionalOut<double>(5, A.Size({n, m}));
  return Dispatch(info.Env(), std::move(job), st);
}

Napi::Value Potrf(const Napi::CallbackInfo& info) {
  Args A(info, "potrf", 3);
  Staging st(A, A.Bool(2));
  auto job = std::make_unique<PotrfJob>();
  job->n = A.Int(0, 1);
  const int64_t n = job->n;
  job->a = st.InOut<double>(1, A.Size({n, n}));
  return Dispatch(info.Env(), std::move(job), st);
}

Napi::Value Potrs(const Napi::CallbackInfo& info) {
  Args A(info, "potrs", 5);
  Staging st(A, A.Bool(4));
  auto job = std::make_unique<PotrsJob>();
  job->n = A.Int(0, 1);
  job->nrhs = A.Int(1, 1);
  const int64_t n = job->n, nrhs = job->nrhs;
  job->l = st.In<double>(2, A.Size({n, n}));
  job->x = st.InOut<double>(3, A.Size({n, nrhs}));
  return Dispatch(info.Env(), std::move(job), st);
}

Napi::Value Gesdd(const Napi::CallbackInfo& info) {
  Args A(info, "gesdd", 7);
  Staging st(A, A.Bool(6));
  auto job = std::make_unique<GesddJob>();
  job->m = A.Int(0, 1);
  job->n = A.Int(1, 1);
  const int64_t m = job->m, n = job->n, p = std::min(m, n);
  job->a = st.Work<double>(2, A.Size({m, n}));
  job->s = st.Out<double>(3, p);
  job->u = st.Out<double>(4, A.Size({m, p}));
  job->vt = st.Out<double>(5, A.Size({p, n}));
  return Dispatch(info.Env(), std::move(job), st);
}

// max |a[i]| over len elements, or NaN/Infinity if any element is not finite. Separate, with its own
// accumulators, so that the compiler keeps them in registers and vectorises the loop (inlined into the
// N-API function it kept the maximum in memory: 5x slower).
template <typename T>
__attribute__((noinline)) double MaxAbs(const T* __restrict a, int64_t len) {
  T m0 = 0, m1 = 0, m2 = 0, m3 = 0, bad = 0;
  int64_t i = 0;
  for (; i + 4 <= len; i += 4) {
    const T x0 = std::fabs(a[i]), x1 = std::fabs(a[i + 1]), x2 = std::fabs(a[i + 2]), x3 = std::fabs(a[i + 3]);
    m0 = x0 > m0 ? x0 : m0;
    m1 = x1 > m1 ? x1 : m1;
    m2 = x2 > m2 ? x2 : m2;
    m3 = x3 > m3 ? x3 : m3;
    bad += (a[i] - a[i]) + (a[i + 1] - a[i + 1]) + (a[i + 2] - a[i + 2]) + (a[i + 3] - a[i + 3]);  // NaN iff some x not finite
  }
  for (; i < len; i++) {
    const T x = std::fabs(a[i]);
    m0 = x > m0 ? x : m0;
    bad += a[i] - a[i];
  }
  const double m = std::max(std::max(m0, m1), std::max(m2, m3));
  return bad == 0 ? m : std::numeric_limits<double>::quiet_NaN();
}

// Index of the first NaN/Infinity in a[0..len), or -1. A branch-free pass (x - x is 0 for finite x, NaN
// otherwise) that the compiler vectorises, then a scalar search only when something was found.
template <typename T>
__attribute__((noinline)) int64_t FirstNonFinite(const T* __restrict a, int64_t len) {
  const int64_t C = 4096;  // chunks: stop early on bad data, keep the vector loop long on good data
  for (int64_t c0 = 0; c0 < len; c0 += C) {
    const int64_t c1 = std::min(len, c0 + C);
    T acc0 = 0, acc1 = 0;
    int64_t i = c0;
    for (; i + 2 <= c1; i += 2) {
      acc0 += a[i] - a[i];
      acc1 += a[i + 1] - a[i + 1];
    }
    for (; i < c1; i++) acc0 += a[i] - a[i];
    if (!(acc0 + acc1 == 0)) {
      for (int64_t j = c0; j < c1; j++)
        if (!(a[j] - a[j] == 0)) return j;
    }
  }
  return -1;
}

// First flat index i*n + j (i > j) where |a_ij - a_ji| > tol, or -1; tiled so the column reads stay in cache.
template <typename T>
__attribute__((noinline)) int64_t FirstAsymmetry(const T* __restrict a, int64_t n, double tol) {
  const int64_t B = 32;
  for (int64_t i0 = 0; i0 < n; i0 += B) {
    for (int64_t j0 = 0; j0 <= i0; j0 += B) {
      const int64_t i1 = std::min(n, i0 + B), j1 = std::min(n, j0 + B);
      for (int64_t i = i0; i < i1; i++) {
        const int64_t jEnd = std::min(j1, i);
        double worst = 0;
        for (int64_t j = j0; j < jEnd; j++) {
          const double d = std::fabs(static_cast<double>(a[i * n + j]) - static_cast<double>(a[j * n + i]));
          worst = d > worst ? d : worst;
        }
        if (worst > tol) {
          for (int64_t j = j0; j < jEnd; j++)
            if (std::fabs(static_cast<double>(a[i * n + j]) - static_cast<double>(a[j * n + i])) > tol) return i * n + j;
        }
      }
    }
  }
  return -1;
}

// Input checks of eigh and of spectrum(), in C because they sit in front of every eigen-decomposition (O(n^2),
// but at n = 2000 ~10 ms in JavaScript against ~2 ms here). Returns { code, index, maxAbs }: code 0 = finite
// (and, when relTol >= 0, symmetric within relTol * max|a_ij|), 1 = a[index] is NaN/Infinity, 2 = a[index]
// (i > j) differs from its mirror image by more than the tolerance. a: Float32Array or Float64Array, n x n.
template <typename T>
Napi::Value InspectSymmetricT(const Napi::CallbackInfo& info, Args& A) {
  std::vector<Napi::Object> keep;
  const int n = A.Int(1);
  const int64_t n64 = n, len = A.Size({n64, n64});
  const T* a = A.Array<T>(0, len, &keep);
  const double relTol = A.Double(2);
  const double maxAbs = MaxAbs(a, len);  // NaN-propagating: NaN or Infinity in, non-finite out
  int code = 0;
  int64_t index = -1;
  if (!(maxAbs <= DBL_MAX)) {
    code = 1;
    for (index = 0; index < len && std::fabs(static_cast<double>(a[index])) <= DBL_MAX; index++) {
    }
  } else if (relTol >= 0) {
    index = FirstAsymmetry(a, n64, relTol * maxAbs);
    if (index >= 0) code = 2;
  }
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", Napi::Number::New(env, code));
  o.Set("index", Napi::Number::New(env, static_cast<double>(index)));
  o.Set("maxAbs", Napi::Number::New(env, maxAbs));
  return o;
}

Napi::Value InspectSymmetric(const Napi::CallbackInfo& info) {
  Args A(info, "inspectSymmetric", 3);
  return A.Kind(0) == napi_float32_array ? InspectSymmetricT<float>(info, A) : InspectSymmetricT<double>(info, A);
}

// firstNonFinite(array): index of the first NaN/Infinity in a Float32Array/Float64Array, or -1 (the
// finiteness check in front of every product: ~5x faster than the JavaScript loop).
Napi::Value FirstNonFiniteJs(const Napi::CallbackInfo& info) {
  Args A(info, "firstNonFinite", 1);
  std::vector<Napi::Object> keep;
  int64_t index;
  if (A.Kind(0) == napi_float32_array) {
    auto arr = info[0].As<Napi::TypedArrayOf<float>>();
    index = FirstNonFinite(arr.Data(), static_cast<int64_t>(arr.ElementLength()));
  } else {
    auto arr = info[0].As<Napi::TypedArrayOf<double>>();
    index = FirstNonFinite(arr.Data(), static_cast<int64_t>(arr.ElementLength()));
  }
  return Napi::Number::New(info.Env(), static_cast<double>(index));
}

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const char* config = openblas_get_config();
  const char* core = openblas_get_corename();
  o.Set("config", Napi::String::New(env, config ? config : "OpenBLAS"));
  o.Set("corename", Napi::String::New(env, core ? core : "unknown"));
  o.Set("threads", Napi::Number::New(env, openblas_get_num_threads()));
  // How OpenBLAS came into this binary: linked statically (the prebuilt addon shipped in the npm package)
  // or the system's shared libopenblas (a source build).
#ifdef NTK_STATIC_OPENBLAS
  o.Set("linkage", Napi::String::New(env, "static"));
#else
  o.Set("linkage", Napi::String::New(env, "shared"));
#endif
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitElementwise(env, exports);  // the explicit NTK's elementwise passes (src/ntk/native)
  InitConv(env, exports);         // the autodiff NTK's direct convolution kernels (src/ntk/native)
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("syrk", Napi::Function::New(env, Syrk, "syrk"));
  exports.Set("gemmBatched", Napi::Function::New(env, GemmBatched, "gemmBatched"));
  exports.Set("syevd", Napi::Function::New(env, Syevd, "syevd"));
  exports.Set("syevr", Napi::Function::New(env, Syevr, "syevr"));
  exports.Set("potrf", Napi::Function::New(env, Potrf, "potrf"));
  exports.Set("potrs", Napi::Function::New(env, Potrs, "potrs"));
  exports.Set("gesdd", Napi::Function::New(env, Gesdd, "gesdd"));
  exports.Set("firstNonFinite", Napi::Function::New(env, FirstNonFiniteJs, "firstNonFinite"));
  exports.Set("inspectSymmetric", Napi::Function::New(env, InspectSymmetric, "inspectSymmetric"));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo, "blasInfo"));
  return exports;
}

}  // namespace

NODE_API_MODULE(ntk_linalg, Init)
