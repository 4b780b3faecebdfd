// The explicit NTK's elementwise kernels (elementwise.cc), registered on the linalg addon's exports.
#pragma once
#include <napi.h>

void InitElementwise(Napi::Env env, Napi::Object exports);
