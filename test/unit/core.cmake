arbor_test(core_test LABEL unit
  SOURCES core/uv_env_test.cc
  DEPS arbor_core)
