# Freestanding x86-64 programs built by the host gcc: ovmf-tdvf's firmware
# image and its payloads.  No libc, no red zone, no PIC, no stack
# protector, general-purpose registers only; linked with -nostdlib by the
# program's own linker script.  Directory-wide options (sanitizers, host
# link flags) are cleared: none of them can work without a libc.
#
# tdx_freestanding_executable(NAME target
#                             OUTPUT_NAME file          (in the current binary dir)
#                             MODEL small|large         (-mcmodel)
#                             LINKER_SCRIPT path
#                             SOURCES ... [INCLUDES ...] [OBJECTS ...])
#
# .S sources need enable_language(ASM) in the calling directory.
function(tdx_freestanding_executable)
  cmake_parse_arguments(F "" "NAME;OUTPUT_NAME;MODEL;LINKER_SCRIPT" "SOURCES;INCLUDES;OBJECTS" ${ARGN})
  add_executable(${F_NAME} ${F_SOURCES} ${F_OBJECTS})
  set_target_properties(${F_NAME} PROPERTIES
    COMPILE_OPTIONS ""
    LINK_OPTIONS ""
    OUTPUT_NAME ${F_OUTPUT_NAME}
    SUFFIX ""
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
    LINK_DEPENDS ${F_LINKER_SCRIPT})
  target_include_directories(${F_NAME} PRIVATE ${F_INCLUDES} ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(${F_NAME} PRIVATE
    -m64 -ffreestanding -fno-builtin-printf -mno-red-zone -fno-pic -fno-pie
    -fno-stack-protector -mgeneral-regs-only -mcmodel=${F_MODEL}
    -fno-asynchronous-unwind-tables -fno-unwind-tables -fcf-protection=none
    -fno-omit-frame-pointer)
  tdx_set_warnings(${F_NAME})
  target_link_options(${F_NAME} PRIVATE
    -nostdlib -static -no-pie -Wl,-T,${F_LINKER_SCRIPT} -Wl,--build-id=none
    -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments
    -Wl,-Map=${CMAKE_CURRENT_BINARY_DIR}/${F_OUTPUT_NAME}.map)
endfunction()
