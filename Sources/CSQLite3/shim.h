#ifndef PUSHGUARD_CSQLITE3_SHIM_H
#define PUSHGUARD_CSQLITE3_SHIM_H
#include <sqlite3.h>
/* SQLITE_TRANSIENT is a cast macro Swift cannot import. */
static inline void (*pushguard_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
#endif
