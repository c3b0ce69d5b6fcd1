# `cmake --install BUILD [--prefix P]` lays out
#   P/bin/iqnas
#   P/share/iqnas/spaces/*.json, P/share/iqnas/configs/*.json   (found relative to bin/iqnas)
#   P/include/iqnas/<layer>/*.h
#   P/lib/libiqnas_*.a and P/lib/cmake/iqnas/ (find_package(iqnas): iqnas::solver, iqnas::supernet, ...)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(IQNAS_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/iqnas)

# Every library a consumer may link, with the ones they depend on (static libraries carry their
# dependencies in the export set). Exported as iqnas::<name without the iqnas_ prefix>.
set(IQNAS_EXPORTED iqnas_options)
foreach(lib iqnas_util iqnas_kernels iqnas_nn iqnas_data iqnas_train iqnas_supernet iqnas_solver iqnas_predictor)
  if(TARGET ${lib})
    list(APPEND IQNAS_EXPORTED ${lib})
  endif()
endforeach()
foreach(lib ${IQNAS_EXPORTED})
  string(REPLACE "iqnas_" "" short ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${short})
endforeach()

install(TARGETS ${IQNAS_EXPORTED} EXPORT iqnasTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
if(TARGET iqnas)
  install(TARGETS iqnas RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
if(TARGET iqnas_cuda)  # the CUDA backend, opened at run time from bin/../lib (kernels/cuda_module.cpp)
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

install(EXPORT iqnasTargets NAMESPACE iqnas:: DESTINATION ${IQNAS_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/iqnasConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/iqnasConfig.cmake
                              INSTALL_DESTINATION ${IQNAS_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/iqnasConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/iqnasConfig.cmake ${PROJECT_BINARY_DIR}/iqnasConfigVersion.cmake
        DESTINATION ${IQNAS_INSTALL_CMAKEDIR})
