# Znode state machine: path rules, DataTree, multi, sessions, reaping,
# watches, snapshots, and the determinism property test.
file(GLOB ARBOR_TREE_TESTS ${CMAKE_CURRENT_SOURCE_DIR}/tree/*_test.cc)
if(ARBOR_TREE_TESTS)
  arbor_test(tree_test LABEL unit TIMEOUT 120
    SOURCES ${ARBOR_TREE_TESTS} ${CMAKE_CURRENT_SOURCE_DIR}/testing/datadriven.cc
    DEPS arbor_tree arbor_tree_flags)
  target_compile_definitions(tree_test PRIVATE TREE_TESTDATA="${CMAKE_CURRENT_SOURCE_DIR}/tree/testdata")
endif()
