{
  # ntk-lab's OpenBLAS/LAPACK addon, output build/Release/ntk_linalg.node.
  # - Source build (`npx ntk-lab build-native`, `npm run build:native`: scripts/build-native.js checks for a
  #   compiler and OpenBLAS first): links the system's shared libopenblas.
  # - Prebuilt (`npm run prebuild:native`: scripts/prebuild-native.js, run by prepack): passes
  #   -Dopenblas_static=<libopenblas.a of a DYNAMIC_ARCH build>, linked into the addon with its symbols kept
  #   private, so the binary shipped in the npm package needs no OpenBLAS on the user's machine.
  "variables": { "openblas_static%": "" },
  "targets": [
    {
      "target_name": "ntk_linalg",
      "sources": ["src/linalg/native/linalg.cc", "src/ntk/native/elementwise.cc", "src/ntk/native/conv.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node scripts/build-native.js --cblas-include)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-Wall", "-Wextra"],
      "conditions": [
        ["openblas_static==''", {
          "libraries": ["-lopenblas"]
        }, {
          "sources": ["src/linalg/native/gfortran-shim.c"],
          "defines": ["NTK_STATIC_OPENBLAS"],
          "libraries": ["<(openblas_static)", "-lpthread", "-lm"],
          "ldflags": ["-Wl,--exclude-libs,ALL", "-s"]
        }]
      ]
    }
  ]
}
