# Unit tests for qemu-tdx's virtio-mmio console and QMP server
# (qemu/devices.cmake's qemu-tdx-devices).  Included from tests/CMakeLists.txt.
include_guard(GLOBAL)

foreach(t virtio_queue virtio_mmio virtio_console)
  tdx_add_unit_test(NAME qemu_tdx_${t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c ${CMAKE_CURRENT_LIST_DIR}/virtio_test_driver.c
    LINK qemu-tdx-devices)
endforeach()

tdx_add_unit_test(NAME qemu_tdx_qmp
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_qmp.c
  LINK qemu-tdx-devices PkgConfig::JSONC)
