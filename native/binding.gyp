{
  "targets": [
    {
      "target_name": "rigl_native",
      "sources": [
        "src/addon.cc",
        "src/cpu.cc",
        "src/parallel.cc",
        "src/gemm.cc",
        "src/gemm_bindings.cc",
        "src/conv.cc",
        "src/sparse.cc",
        "src/eltwise.cc",
        "src/optim.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-fexceptions", "-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wno-unused-function"],
      "ldflags": ["-pthread"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3"] }
    }
  ]
}
