// CBarrier is header-only (include/vring_barrier.h); SwiftPM wants one source file per C target.
#include "vring_barrier.h"
