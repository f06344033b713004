/* cairn version numbers, usable from C and C++.
 *
 * This file is the single source of the version: CMake, the pkg-config file, the Python package and
 * cairn_version() all read it. CAIRN_ABI_VERSION changes only when the C ABI changes incompatibly.
 */
#ifndef CAIRN_VERSION_H_
#define CAIRN_VERSION_H_

#define CAIRN_VERSION_MAJOR 0
#define CAIRN_VERSION_MINOR 1
#define CAIRN_VERSION_PATCH 0
#define CAIRN_VERSION_STRING "0.1.0"

/* MAJOR * 10000 + MINOR * 100 + PATCH, for compile-time comparisons. */
#define CAIRN_VERSION_NUMBER \
  (CAIRN_VERSION_MAJOR * 10000 + CAIRN_VERSION_MINOR * 100 + CAIRN_VERSION_PATCH)

/* The C ABI generation. A program compiled against one ABI version refuses to run against a library
 * of another (see cairn_abi_check() in cairn.h). */
#define CAIRN_ABI_VERSION 1

#endif /* CAIRN_VERSION_H_ */
