#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
// Debian's libopenblas-dev: cblas.h lives under the openblas-pthread include
// directory that pkg-config (`openblas`) adds to the search path.
#include <cblas.h>
#endif
