// fp_walks built without frame pointers (examples/CMakeLists.txt): the same program, for the
// default unwinder's rsp-based call frames.
#include "fp_walks.c"
