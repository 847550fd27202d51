#ifndef PUSHGUARD_CLIBGIT2_SHIM_H
#define PUSHGUARD_CLIBGIT2_SHIM_H
#include <git2.h>
#endif
