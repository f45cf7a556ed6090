# UnmWarnings — warning and sanitizer flags shared by every project target.
add_library(unm_build_flags INTERFACE)
target_compile_options(unm_build_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
  -Wno-missing-field-initializers)
if(UNM_WERROR)
  target_compile_options(unm_build_flags INTERFACE -Werror)
endif()
if(UNM_SANITIZE)
  target_compile_options(unm_build_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(unm_build_flags INTERFACE -fsanitize=address,undefined)
endif()
