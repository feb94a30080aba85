# Finds the header-only dependencies. Debian's tl-expected and doctest CMake packages carry a
# version file that rejects 32-bit and cross builds, so when find_package fails we locate the
# header itself and expose it through a build-tree folder that holds only that library's headers
# (never -I/usr/include, which would pull the host's C library headers into a cross build).

function(nexus_header_only_include out_var header subdir)
    find_path(_nexus_dir_${subdir} ${header} PATHS /usr/include /usr/local/include
              NO_CMAKE_FIND_ROOT_PATH)
    if(NOT _nexus_dir_${subdir})
        message(FATAL_ERROR "nexus: cannot find ${header}; run scripts/setup.sh")
    endif()
    set(isolated ${CMAKE_BINARY_DIR}/nexus-deps/${subdir})
    file(MAKE_DIRECTORY ${isolated})
    if(NOT EXISTS ${isolated}/${subdir})
        file(CREATE_LINK ${_nexus_dir_${subdir}}/${subdir} ${isolated}/${subdir} SYMBOLIC)
    endif()
    set(${out_var} ${isolated} PARENT_SCOPE)
endfunction()

# Links tl::expected into `target` (INTERFACE).
macro(nexus_link_expected target)
    find_package(tl-expected 1.0 CONFIG QUIET)
    if(TARGET tl::expected)
        target_link_libraries(${target} INTERFACE $<BUILD_INTERFACE:tl::expected>)
        set(NEXUS_EXPECTED_FROM_PACKAGE ON)
    else()
        nexus_header_only_include(_nexus_expected_inc tl/expected.hpp tl)
        target_include_directories(${target} SYSTEM INTERFACE $<BUILD_INTERFACE:${_nexus_expected_inc}>)
        set(NEXUS_EXPECTED_FROM_PACKAGE OFF)
    endif()
endmacro()
