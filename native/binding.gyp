{
  "targets": [
    {
      "target_name": "mindspore_native",
      "sources": [
        "src/addon.cc",
        "src/blocks.cc",
        "src/pool.cc",
        "src/gemm.cc",
        "src/gemm_x86.cc",
        "src/elementwise.cc",
        "src/fused.cc",
        "src/reduce.cc",
        "src/conv.cc",
        "src/movement.cc"
      ],
      "cflags_cc": ["-O3", "-std=gnu++17", "-fno-math-errno", "-fno-trapping-math"],
      "cflags_cc!": ["-fno-omit-frame-pointer"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "gnu++17",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "OTHER_CPLUSPLUSFLAGS": ["-fno-math-errno", "-fno-trapping-math"]
          }
        }],
        ["OS=='win'", {
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/O2"] } }
        }]
      ]
    }
  ]
}
