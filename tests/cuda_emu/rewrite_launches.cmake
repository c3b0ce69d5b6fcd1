# Rewrites one kernels/cuda/*.cu into host C++ for the CUDA emulation:
#   name<targs><<<cfg>>>(args)   ->   ::iqnas_emu::Launch(__FILE__, __LINE__, cfg)(name<targs>, args)
# Usage: cmake -DIN=x.cu -DOUT=x.cpp -P rewrite_launches.cmake
file(READ "${IN}" src)
string(REGEX REPLACE "([A-Za-z_][A-Za-z_0-9]*(<[^<>;]*>)?)<<<([^>]*)>>>\\("
       "::iqnas_emu::Launch(__FILE__, __LINE__, \\3)(\\1, " out "${src}")
string(FIND "${out}" "<<<" left)
if(NOT left EQUAL -1)
  message(FATAL_ERROR "rewrite_launches: a launch in ${IN} was not rewritten")
endif()
file(WRITE "${OUT}.tmp" "#line 1 \"${IN}\"\n${out}")
file(RENAME "${OUT}.tmp" "${OUT}")
