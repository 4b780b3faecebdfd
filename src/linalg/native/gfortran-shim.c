// The one gfortran runtime routine that OpenBLAS's LAPACK (compiled from Fortran) calls: CHARACTER
// concatenation, used by LAPACK's ILAENV/XERBLA paths. The prebuilt addon links OpenBLAS statically and
// cannot link libgfortran.a (not position-independent on Debian), and a dynamic libgfortran.so.5 would be
// one more library a user's machine must have; this is the routine's documented semantics (Fortran 2008,
// 6.2.3: copy, truncate to the destination's length, pad with blanks), with gfortran's ABI (lengths as size_t).
// Only compiled into the static (prebuilt) build.
#include <stddef.h>
#include <string.h>

void _gfortran_concat_string(size_t destlen, char* dest, size_t len1, const char* s1, size_t len2, const char* s2) {
  if (len1 >= destlen) {
    memcpy(dest, s1, destlen);
    return;
  }
  memcpy(dest, s1, len1);
  dest += len1;
  destlen -= len1;
  if (len2 >= destlen) {
    memcpy(dest, s2, destlen);
    return;
  }
  memcpy(dest, s2, len2);
  memset(dest + len2, ' ', destlen - len2);
}
