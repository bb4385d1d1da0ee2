# cmake -DIMAGE=<name>.bin -P check_image.cmake: an image is exactly
# 64 KiB and its reset vector (the last 16 bytes) starts with a near JMP
# (E9 rel32).  A bad image is deleted so the next build tries again.
file(SIZE ${IMAGE} size)
if(NOT size EQUAL 65536)
  file(REMOVE ${IMAGE})
  message(FATAL_ERROR "${IMAGE}: ${size} bytes, not 65536")
endif()
file(READ ${IMAGE} opcode OFFSET 65520 LIMIT 1 HEX)
if(NOT opcode STREQUAL "e9")
  file(REMOVE ${IMAGE})
  message(FATAL_ERROR "${IMAGE}: the reset vector starts with ${opcode}, not a JMP (e9)")
endif()
