# Build-time check of mini-tdvf.fd: exactly 64 KiB, reset vector = EB EE.
file(SIZE ${IMAGE} size)
if(NOT size EQUAL 65536)
  message(FATAL_ERROR "${IMAGE}: ${size} bytes, expected 65536")
endif()
file(READ ${IMAGE} rv OFFSET 65520 LIMIT 2 HEX)
if(NOT rv STREQUAL "ebee")
  message(FATAL_ERROR "${IMAGE}: reset vector ${rv}, expected ebee")
endif()
