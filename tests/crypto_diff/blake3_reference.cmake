# Test-only: builds the BLAKE3 team's portable C implementation as the static library
# `blake3_reference`, the reference for tests/crypto_diff/blake3_diff_test.cpp.
# The sources come from Debian's librust-blake3-dev (blake3-*/c/), never from this repository:
#   1. NEXUS_BLAKE3_REFERENCE_DIR, if set, names a folder that already holds blake3.c & co;
#   2. else a copy extracted earlier into the build tree is reused;
#   3. else `apt-get download librust-blake3-dev` + `dpkg -x` extract it into the build tree.
# Consumers see NEXUS_HAVE_BLAKE3_REFERENCE=1 and the include path of blake3.h. When the sources
# cannot be had (no apt, offline), no target is defined and the differential test skips itself.

set(NEXUS_BLAKE3_REFERENCE_DIR "" CACHE PATH
    "Folder with the BLAKE3 reference C sources (blake3.c, blake3_dispatch.c, blake3_portable.c); empty: fetch librust-blake3-dev")

set(_nexus_b3_dir "${NEXUS_BLAKE3_REFERENCE_DIR}")
if(NOT _nexus_b3_dir)
    set(_nexus_b3_root "${CMAKE_BINARY_DIR}/_deps/blake3-reference")
    file(GLOB _nexus_b3_found "${_nexus_b3_root}/usr/share/cargo/registry/blake3-*/c/blake3.c")
    if(NOT _nexus_b3_found)
        find_program(NEXUS_APT_GET apt-get)
        find_program(NEXUS_DPKG dpkg)
        if(NEXUS_APT_GET AND NEXUS_DPKG)
            file(MAKE_DIRECTORY "${_nexus_b3_root}/deb")
            file(GLOB _nexus_b3_debs "${_nexus_b3_root}/deb/librust-blake3-dev_*.deb")
            if(NOT _nexus_b3_debs)
                message(STATUS "blake3_reference: apt-get download librust-blake3-dev")
                execute_process(COMMAND ${NEXUS_APT_GET} download librust-blake3-dev
                                WORKING_DIRECTORY "${_nexus_b3_root}/deb"
                                RESULT_VARIABLE _nexus_b3_rc OUTPUT_QUIET ERROR_QUIET)
                file(GLOB _nexus_b3_debs "${_nexus_b3_root}/deb/librust-blake3-dev_*.deb")
            endif()
            if(_nexus_b3_debs)
                list(GET _nexus_b3_debs 0 _nexus_b3_deb)
                execute_process(COMMAND ${NEXUS_DPKG} -x "${_nexus_b3_deb}" "${_nexus_b3_root}"
                                RESULT_VARIABLE _nexus_b3_rc OUTPUT_QUIET ERROR_QUIET)
                file(GLOB _nexus_b3_found
                     "${_nexus_b3_root}/usr/share/cargo/registry/blake3-*/c/blake3.c")
            endif()
        endif()
    endif()
    if(_nexus_b3_found)
        list(SORT _nexus_b3_found)
        list(GET _nexus_b3_found -1 _nexus_b3_c)  # the newest if several versions were extracted
        get_filename_component(_nexus_b3_dir "${_nexus_b3_c}" DIRECTORY)
    endif()
endif()

if(_nexus_b3_dir AND EXISTS "${_nexus_b3_dir}/blake3.c" AND EXISTS "${_nexus_b3_dir}/blake3_dispatch.c"
   AND EXISTS "${_nexus_b3_dir}/blake3_portable.c")
    if(NOT CMAKE_C_COMPILER_LOADED)
        enable_language(C)
    endif()
    add_library(blake3_reference STATIC
        "${_nexus_b3_dir}/blake3.c"
        "${_nexus_b3_dir}/blake3_dispatch.c"
        "${_nexus_b3_dir}/blake3_portable.c")
    # Portable path only: the reference stays simple, and the same on every host.
    target_compile_definitions(blake3_reference
        PRIVATE BLAKE3_NO_SSE2 BLAKE3_NO_SSE41 BLAKE3_NO_AVX2 BLAKE3_NO_AVX512
        INTERFACE NEXUS_HAVE_BLAKE3_REFERENCE=1)
    target_include_directories(blake3_reference SYSTEM INTERFACE "${_nexus_b3_dir}")
    # Third-party code: not held to the project's warning flags.
    set_target_properties(blake3_reference PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
    target_compile_options(blake3_reference PRIVATE -w)
    message(STATUS "blake3_reference: ${_nexus_b3_dir}")
else()
    message(STATUS "blake3_reference: BLAKE3 C sources not available; the BLAKE3 differential test will skip")
endif()
