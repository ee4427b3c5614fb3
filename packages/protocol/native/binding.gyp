{
  "targets": [
    {
      "target_name": "fieldproof_sm2",
      "sources": ["sm2.c"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"],
      "libraries": []
    }
  ]
}
