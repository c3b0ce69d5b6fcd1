# `cmake --install BUILD [--prefix P]` lays out
#   P/bin/iqnas
#   P/share/iqnas/spaces/*.json, P/share/iqnas/configs/*.json   (found relative to bin/iqnas)
#   P/share/iqnas/export_pytorch.py                              (docs/export.md)
#   P/include/iqnas/<layer>/*.h
#   P/lib/libiqnas_*.a and P/lib/cmake/iqnas/ (find_package(iqnas): iqnas::solver, iqnas::supernet, ...)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(IQNAS_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/iqnas)

# Every library of the layers (static libraries carry their dependencies, so all of them go into
# the export set), found by walking the source folders: a new layer library is exported without
# an edit here. Exported as iqnas::<name without the iqnas_ prefix>. The program's own helper
# library (experiments/: iqnas_cli_tables) stays inside the build.
function(iqnas_collect_libraries dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  set(found "")
  foreach(t ${targets})
    get_target_property(type ${t} TYPE)
    if(t MATCHES "^iqnas_" AND type MATCHES "^(STATIC_LIBRARY|INTERFACE_LIBRARY)$")
      list(APPEND found ${t})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    if(NOT sub MATCHES "/(tests|bench|experiments)(/|$)")
      iqnas_collect_libraries(${sub} sub_found)
      list(APPEND found ${sub_found})
    endif()
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()
iqnas_collect_libraries(${PROJECT_SOURCE_DIR} IQNAS_EXPORTED)
foreach(lib ${IQNAS_EXPORTED})
  string(REPLACE "iqnas_" "" short ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${short})
endforeach()

install(TARGETS ${IQNAS_EXPORTED} EXPORT iqnasTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS iqnas RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(IQNAS_HAVE_CUDA)  # the CUDA backend, opened at run time from bin/../lib (kernels/cuda_module.cpp)
  install(TARGETS iqnas_cuda LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()

# Public headers, keeping the paths the code includes them by ("solver/problem.h").
foreach(dir util kernels nn nn/ops nn/data nn/train supernet solver predictor)
  file(GLOB headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${dir}/*.h)
  if(headers)
    install(FILES ${headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/iqnas/${dir})
  endif()
endforeach()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/supernet/spaces/ DESTINATION ${CMAKE_INSTALL_DATADIR}/iqnas/spaces
        FILES_MATCHING PATTERN "*.json")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/experiments/configs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/iqnas/configs
        FILES_MATCHING PATTERN "*.json")

install(PROGRAMS ${PROJECT_SOURCE_DIR}/experiments/export_pytorch.py DESTINATION ${CMAKE_INSTALL_DATADIR}/iqnas)

install(EXPORT iqnasTargets NAMESPACE iqnas:: DESTINATION ${IQNAS_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/iqnasConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/iqnasConfig.cmake
                              INSTALL_DESTINATION ${IQNAS_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/iqnasConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/iqnasConfig.cmake ${PROJECT_BINARY_DIR}/iqnasConfigVersion.cmake
        DESTINATION ${IQNAS_INSTALL_CMAKEDIR})
