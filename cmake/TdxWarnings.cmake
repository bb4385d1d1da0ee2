# One place for the warning policy: C11, -Wall -Wextra, -Werror unless
# TDX_WERROR is off.
function(tdx_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow
    -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers)
  if(TDX_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
