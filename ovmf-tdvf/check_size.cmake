# Build-time check: the flattened firmware image is exactly SIZE bytes
# (it must end at 4 GiB when the VMM maps it at 4 GiB - size).
file(SIZE ${IMAGE} actual)
if(NOT actual EQUAL SIZE)
  message(FATAL_ERROR "${IMAGE}: ${actual} bytes, expected ${SIZE}")
endif()
