# Unit tests for qemu-tdx's own sources (qemu-tdx-core): options, TDVF
# metadata and HOB, the I/O registry, fw_cfg, fatal-error decoding and the
# PM/serial devices.  Included from tests/CMakeLists.txt.
include_guard(GLOBAL)

foreach(t cli tdvf iotrap fw_cfg tdx_exits)
  tdx_add_unit_test(NAME qemu_tdx_${t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c
    LINK qemu-tdx-core)
endforeach()
