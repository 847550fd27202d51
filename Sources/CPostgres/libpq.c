#include "cpostgres.h"
#include <dlfcn.h>
#include <stdio.h>

static void *library;
static struct {
    PGconn *(*connectStart)(const char *);
    PostgresPollingStatusType (*connectPoll)(PGconn *);
    ConnStatusType (*status)(const PGconn *);
    char *(*errorMessage)(const PGconn *);
    int (*socket)(const PGconn *);
    void (*finish)(PGconn *);
    int (*setnonblocking)(PGconn *, int);
    int (*sendQueryParams)(PGconn *, const char *, int, const Oid *, const char *const *, const int *, const int *, int);
    int (*flush)(PGconn *);
    int (*consumeInput)(PGconn *);
    int (*isBusy)(PGconn *);
    PGresult *(*getResult)(PGconn *);
    ExecStatusType (*resultStatus)(const PGresult *);
    char *(*resultErrorMessage)(const PGresult *);
    char *(*resultErrorField)(const PGresult *, int);
    int (*ntuples)(const PGresult *);
    int (*nfields)(const PGresult *);
    char *(*fname)(const PGresult *, int);
    char *(*getvalue)(const PGresult *, int, int);
    int (*getisnull)(const PGresult *, int, int);
    void (*clear)(PGresult *);
} pq;

/* A library without one of the symbols is released again (dlclose), so a failed load leaks no
 * handle and the next call tries afresh; the message names the missing symbol. */
#define LOAD(field, name) \
    if (!(*(void **)(&pq.field) = dlsym(library, name))) { \
        snprintf(error, size, "libpq.so.5 has no %s (apt-get install libpq5)", name); \
        dlclose(library); library = NULL; return -1; }

int pushguard_libpq_load(char *error, size_t size) {
    if (library) return 0;
    library = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(error, size, "cannot load libpq (apt-get install libpq5): %s", dlerror());
        return -1;
    }
    LOAD(connectStart, "PQconnectStart") LOAD(connectPoll, "PQconnectPoll") LOAD(status, "PQstatus")
    LOAD(errorMessage, "PQerrorMessage") LOAD(socket, "PQsocket") LOAD(finish, "PQfinish")
    LOAD(setnonblocking, "PQsetnonblocking") LOAD(sendQueryParams, "PQsendQueryParams") LOAD(flush, "PQflush")
    LOAD(consumeInput, "PQconsumeInput") LOAD(isBusy, "PQisBusy") LOAD(getResult, "PQgetResult")
    LOAD(resultStatus, "PQresultStatus") LOAD(resultErrorMessage, "PQresultErrorMessage")
    LOAD(resultErrorField, "PQresultErrorField") LOAD(ntuples, "PQntuples") LOAD(nfields, "PQnfields")
    LOAD(fname, "PQfname")
    LOAD(getvalue, "PQgetvalue") LOAD(getisnull, "PQgetisnull") LOAD(clear, "PQclear")
    return 0;
}

PGconn *pg_PQconnectStart(const char *c) { return pq.connectStart(c); }
PostgresPollingStatusType pg_PQconnectPoll(PGconn *c) { return pq.connectPoll(c); }
ConnStatusType pg_PQstatus(const PGconn *c) { return pq.status(c); }
char *pg_PQerrorMessage(const PGconn *c) { return pq.errorMessage(c); }
int pg_PQsocket(const PGconn *c) { return pq.socket(c); }
void pg_PQfinish(PGconn *c) { pq.finish(c); }
int pg_PQsetnonblocking(PGconn *c, int a) { return pq.setnonblocking(c, a); }
int pg_PQsendQueryParams(PGconn *c, const char *q, int n, const Oid *t, const char *const *v, const int *l,
                         const int *f, int r) { return pq.sendQueryParams(c, q, n, t, v, l, f, r); }
int pg_PQflush(PGconn *c) { return pq.flush(c); }
int pg_PQconsumeInput(PGconn *c) { return pq.consumeInput(c); }
int pg_PQisBusy(PGconn *c) { return pq.isBusy(c); }
PGresult *pg_PQgetResult(PGconn *c) { return pq.getResult(c); }
ExecStatusType pg_PQresultStatus(const PGresult *r) { return pq.resultStatus(r); }
char *pg_PQresultErrorMessage(const PGresult *r) { return pq.resultErrorMessage(r); }
char *pg_PQresultErrorField(const PGresult *r, int f) { return pq.resultErrorField(r, f); }
int pg_PQntuples(const PGresult *r) { return pq.ntuples(r); }
int pg_PQnfields(const PGresult *r) { return pq.nfields(r); }
char *pg_PQfname(const PGresult *r, int column) { return pq.fname(r, column); }
char *pg_PQgetvalue(const PGresult *r, int row, int column) { return pq.getvalue(r, row, column); }
int pg_PQgetisnull(const PGresult *r, int row, int column) { return pq.getisnull(r, row, column); }
void pg_PQclear(PGresult *r) { pq.clear(r); }
