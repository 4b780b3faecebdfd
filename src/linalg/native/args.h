// Argument parsing of the addon's N-API functions: strict, with messages naming the routine and the argument.
// Shared by src/linalg/native/linalg.cc and src/ntk/native/elementwise.cc.
#pragma once
#include <napi.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

// The typed arrays a call holds on to (Args::Array appends each it hands out) for as long as the call runs.
using Keep = std::vector<Napi::Object>;

struct Args {
  const Napi::CallbackInfo& info;
  const char* fn;
  size_t expected;

  Args(const Napi::CallbackInfo& i, const char* f, size_t n) : info(i), fn(f), expected(n) {
    if (info.Length() != n)
      throw Napi::TypeError::New(info.Env(), std::string(fn) + ": expected " + std::to_string(n) + " arguments, got " +
                                                 std::to_string(info.Length()));
  }
  [[noreturn]] void Fail(size_t i, const std::string& what) const {
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": argument " + std::to_string(i) + " " + what);
  }
  int Int(size_t i, int min = 0) const {
    if (!info[i].IsNumber()) Fail(i, "must be a number");
    const double v = info[i].As<Napi::Number>().DoubleValue();
    if (!(v >= min && v <= INT_MAX) || std::floor(v) != v) Fail(i, "must be an integer in [" + std::to_string(min) + ", 2^31)");
    return static_cast<int>(v);
  }
  // The element count of an array of the given dimensions (each >= 0), overflow-checked: a product that exceeds
  // 2^53 (no JavaScript array is that long, and int64 arithmetic on it could wrap) fails instead of wrapping.
  int64_t Size(std::initializer_list<int64_t> dims) const {
    int64_t total = 1;
    for (int64_t d : dims) {
      if (d < 0) throw Napi::RangeError::New(info.Env(), std::string(fn) + ": negative size " + std::to_string(d));
      if (__builtin_mul_overflow(total, d, &total) || total > (int64_t{1} << 53))
        throw Napi::RangeError::New(info.Env(), std::string(fn) + ": array size overflows (the dimensions multiply to more than 2^53 elements)");
    }
    return total;
  }
  // a + b for element counts/offsets, overflow-checked like Size.
  int64_t Sum(int64_t a, int64_t b) const {
    int64_t total = 0;
    if (a < 0 || b < 0 || __builtin_add_overflow(a, b, &total) || total > (int64_t{1} << 53))
      throw Napi::RangeError::New(info.Env(), std::string(fn) + ": array offset out of range");
    return total;
  }
  double Double(size_t i) const {
    if (!info[i].IsNumber()) Fail(i, "must be a number");
    const double v = info[i].As<Napi::Number>().DoubleValue();
    if (!std::isfinite(v)) Fail(i, "must be finite");
    return v;
  }
  bool Bool(size_t i) const {
    if (!info[i].IsBoolean()) Fail(i, "must be a boolean");
    return info[i].As<Napi::Boolean>().Value();
  }
  napi_typedarray_type Kind(size_t i) const {
    if (!info[i].IsTypedArray()) Fail(i, "must be a Float32Array or Float64Array");
    const napi_typedarray_type t = info[i].As<Napi::TypedArray>().TypedArrayType();
    if (t != napi_float32_array && t != napi_float64_array) Fail(i, "must be a Float32Array or Float64Array");
    return t;
  }
  // A sliding window argument (im2col and the direct convolution kernels): an Int32Array of 13 numbers [inH, inW, c,
  // kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW]. Every size is checked: a negative one would pass the
  // callers' length checks with a smaller need and then write before or past the arrays. Paddings are the callers'.
  const int32_t* WindowNumbers(size_t i) const {
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
        info[i].As<Napi::TypedArray>().ElementLength() != 13)
      Fail(i, "must be an Int32Array of 13 window numbers");
    const int32_t* g = info[i].As<Napi::TypedArrayOf<int32_t>>().Data();
    static const char* const names[] = {"inH", "inW", "c", "kh", "kw", "sh", "sw", "dh", "dw", "padTop", "padLeft", "outH", "outW"};
    for (int q : {0, 1, 2, 3, 4, 11, 12})
      if (g[q] < 0) Fail(i, std::string("has a negative ") + names[q] + " (" + std::to_string(g[q]) + ")");
    for (int q : {5, 6, 7, 8})
      if (g[q] < 1) Fail(i, std::string("has ") + names[q] + " = " + std::to_string(g[q]) + "; strides and dilations must be >= 1");
    return g;
  }
  // A typed array of element type T holding at least `need` elements.
  template <typename T>
  T* Array(size_t i, int64_t need, std::vector<Napi::Object>* keep) const {
    const napi_typedarray_type want = sizeof(T) == 4 ? napi_float32_array : napi_float64_array;
    if (Kind(i) != want) Fail(i, sizeof(T) == 4 ? "must be a Float32Array" : "must be a Float64Array");
    auto arr = info[i].As<Napi::TypedArrayOf<T>>();
    if (static_cast<int64_t>(arr.ElementLength()) < need)
      Fail(i, "has length " + std::to_string(arr.ElementLength()) + ", needs at least " + std::to_string(need));
    if (need > 0 && arr.Data() == nullptr) Fail(i, "is detached");
    keep->push_back(arr);
    return arr.Data();
  }
  // Array(i, need, keep), or nullptr when argument i is null.
  template <typename T>
  T* OptionalArray(size_t i, int64_t need, std::vector<Napi::Object>* keep) const {
    return info[i].IsNull() ? nullptr : Array<T>(i, need, keep);
  }
};
