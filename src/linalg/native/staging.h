// The arrays of one BLAS/LAPACK call, and where the call may touch them.
//
// A sync call works in the caller's typed arrays: no JavaScript runs until it returns.
// An async call runs on libuv's thread pool while JavaScript goes on, and JavaScript can transfer (detach) or
// shrink (a resizable ArrayBuffer) any array it holds; a thread writing into such memory would corrupt the
// heap. So an async call never touches memory that JavaScript owns off the main thread: what it reads is copied
// into addon memory before the call returns, and it writes only into arrays it allocates itself (the caller
// passes null in their place), which JavaScript first sees when the Promise resolves to { info, outputs }.
// Inputs are copied (for the NTK's products they are the n x d features, a fraction of the n x n outputs), the
// outputs are not: no copy back, no doubled memory for the large results.
#pragma once
#include <napi.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "args.h"

class Staging {
 public:
  Staging(const Args& args, bool async) : A_(args), async_(async) {}

  bool async() const { return async_; }

  // An array the call only reads (at least `need` elements).
  template <typename T>
  const T* In(size_t i, int64_t need) {
    T* user = A_.Array<T>(i, need, &keep_);
    return async_ ? Copy(user, need) : user;
  }
  // An array the call reads and overwrites with scratch (LAPACK's destroyed inputs): never returned.
  template <typename T>
  T* Work(size_t i, int64_t need) {
    T* user = A_.Array<T>(i, need, &keep_);
    return async_ ? Copy(user, need) : user;
  }
  // An array the call writes: the caller's (sync, or async when the caller passes one: it is then kept alive and
  // must not be resizable or shared), or a new one returned in `outputs` (async with null). Writing into the caller's
  // array off the main thread is what the NTK's reused scratch blocks need (a copy back cost 16-27% of an NTK); the
  // one way left to pull that memory away mid-call is to transfer the ArrayBuffer deliberately (docs/kernel.md's
  // linalg notes say so), while every input is copied.
  template <typename T>
  T* Out(size_t i, int64_t need) {
    if (!async_ || !A_.info[i].IsNull()) {
      T* user = A_.Array<T>(i, need, &keep_);
      if (async_) {
        Napi::Value buffer = A_.info[i].As<Napi::TypedArray>().Get("buffer");
        if (!buffer.IsArrayBuffer()) A_.Fail(i, "must be backed by a plain ArrayBuffer in an async call (not a SharedArrayBuffer)");
        Napi::Value resizable = buffer.As<Napi::Object>().Get("resizable");
        if (resizable.IsBoolean() && resizable.As<Napi::Boolean>().Value()) A_.Fail(i, "must not be a resizable ArrayBuffer in an async call");
        held_.push_back(A_.info[i].As<Napi::Object>());
      }
      return user;
    }
    return Allocate<T>(need);
  }
  // Caller arrays an async call writes into, kept alive by the worker until it finishes.
  const std::vector<Napi::Object>& held() const { return held_; }
  // An array the call reads and writes as its result: the caller's (sync), or a copy returned in `outputs` (async).
  template <typename T>
  T* InOut(size_t i, int64_t need) {
    T* user = A_.Array<T>(i, need, &keep_);
    if (!async_) return user;
    T* out = Allocate<T>(need);
    if (need > 0) std::memcpy(out, user, static_cast<size_t>(need) * sizeof(T));
    return out;
  }
  // Out(i, need) when `wanted`; otherwise the argument must be null and nothing is written. In an async call
  // argument i is a boolean (whether the output is wanted) or null, since its array does not exist yet.
  template <typename T>
  T* OptionalOut(size_t i, int64_t need) {
    if (!async_) return A_.info[i].IsNull() ? nullptr : A_.Array<T>(i, need, &keep_);
    if (A_.info[i].IsNull()) return nullptr;
    if (!A_.Bool(i)) return nullptr;
    return Allocate<T>(need);
  }

  // Sync: the caller's arrays, kept reachable for the call. Async: what the Promise resolves with.
  const std::vector<Napi::Object>& keep() const { return keep_; }
  const std::vector<Napi::Object>& outputs() const { return outputs_; }

 private:
  [[noreturn]] void OutOfMemory(int64_t bytes) const {
    throw Napi::RangeError::New(A_.info.Env(), std::string(A_.fn) + ": cannot allocate " + std::to_string(bytes) + " bytes for an async call");
  }
  template <typename T>
  T* Copy(const T* user, int64_t need) {
    const size_t count = static_cast<size_t>(need > 0 ? need : 1);
    // nothrow: a std::bad_alloc escaping an N-API callback would terminate the process.
    unsigned char* raw = new (std::nothrow) unsigned char[count * sizeof(T)];
    if (!raw) OutOfMemory(need * static_cast<int64_t>(sizeof(T)));
    copies_.emplace_back(raw);
    T* out = reinterpret_cast<T*>(raw);
    if (need > 0) std::memcpy(out, user, static_cast<size_t>(need) * sizeof(T));
    return out;
  }
  // A zeroed output array the addon owns until the call resolves. Allocated with calloc and handed to V8 as an
  // external buffer: V8's own ArrayBuffer::New aborts the process when an allocation fails, calloc returns null.
  template <typename T>
  T* Allocate(int64_t need) {
    Napi::Env env = A_.info.Env();
    const size_t bytes = static_cast<size_t>(need) * sizeof(T);
    void* data = std::calloc(bytes > 0 ? bytes : 1, 1);
    if (!data) OutOfMemory(static_cast<int64_t>(bytes));
    napi_value buffer;
    // The finaliser frees the memory and tells V8 it is gone; V8 is told of it here, so that large results count
    // toward its GC heuristics as ArrayBuffers it allocated itself would.
    const napi_status status = napi_create_external_arraybuffer(
        env, data, bytes,
        [](napi_env e, void* d, void* hint) {
          std::free(d);
          int64_t ignored;
          napi_adjust_external_memory(e, -static_cast<int64_t>(reinterpret_cast<uintptr_t>(hint)), &ignored);
        },
        reinterpret_cast<void*>(static_cast<uintptr_t>(bytes)), &buffer);
    if (status != napi_ok) {
      std::free(data);
      throw Napi::Error::New(env, std::string(A_.fn) + ": cannot create the output array of an async call");
    }
    int64_t ignored;
    napi_adjust_external_memory(env, static_cast<int64_t>(bytes), &ignored);
    auto array = Napi::TypedArrayOf<T>::New(env, static_cast<size_t>(need), Napi::ArrayBuffer(env, buffer), 0);
    outputs_.push_back(array);
    return array.Data();
  }

  const Args& A_;
  bool async_;
  std::vector<Napi::Object> keep_;
  std::vector<Napi::Object> outputs_;
  std::vector<Napi::Object> held_;

 public:
  // Addon-owned copies of what an async call reads; moved into the worker, freed when it finishes.
  std::vector<std::unique_ptr<unsigned char[]>> copies_;
};
