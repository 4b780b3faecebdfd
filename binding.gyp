{
  # ntk-lab's OpenBLAS/LAPACK addon. Built by `npm run build:native` (scripts/build-native.js), which
  # checks for a compiler and OpenBLAS first. Output: build/Release/ntk_linalg.node.
  "targets": [
    {
      "target_name": "ntk_linalg",
      "sources": ["src/linalg/native/linalg.cc", "src/ntk/native/elementwise.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node scripts/build-native.js --cblas-include)"
      ],
      "libraries": ["-lopenblas"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-Wall", "-Wextra"]
    }
  ]
}
