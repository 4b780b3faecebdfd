// The autodiff NTK's direct convolution kernels (conv.cc), registered on the linalg addon's exports.
#pragma once
#include <napi.h>

void InitConv(Napi::Env env, Napi::Object exports);
