# qemu-tdx's virtio-mmio console and QMP server as a static library, for
# the qemu-tdx executable and the unit tests.  Included from
# qemu-tdx/CMakeLists.txt (and, in the vmmdev branch, the top level); the
# guard makes a second include harmless.
include_guard(GLOBAL)

# GLOBAL: the tests link PkgConfig::JSONC from a sibling directory.
pkg_check_modules(JSONC REQUIRED IMPORTED_TARGET GLOBAL json-c)

add_library(qemu-tdx-devices STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/virtqueue.c
  ${CMAKE_CURRENT_LIST_DIR}/src/virtio_mmio.c
  ${CMAKE_CURRENT_LIST_DIR}/src/dev_virtio_console.c
  ${CMAKE_CURRENT_LIST_DIR}/src/qmp.c
  ${CMAKE_CURRENT_LIST_DIR}/src/qmp_commands.c)
target_include_directories(qemu-tdx-devices PUBLIC ${CMAKE_CURRENT_LIST_DIR}/src)
target_link_libraries(qemu-tdx-devices PUBLIC Threads::Threads PRIVATE PkgConfig::JSONC)
tdx_set_warnings(qemu-tdx-devices)
