#ifndef PUSHGUARD_CPOSTGRES_H
#define PUSHGUARD_CPOSTGRES_H
/* libpq, loaded on first use with dlopen: linking it would make every hook load Kerberos,
 * LDAP and OpenSSL at start-up even when the store is SQLite. */
#include <stddef.h>
#include <postgresql/libpq-fe.h>

/* Loads libpq.so.5; 0 on success, else -1 with a message in error (naming the symbol, when one
 * is missing) and the library released again. Safe to call again. */
int pushguard_libpq_load(char *error, size_t size);

PGconn *pg_PQconnectStart(const char *conninfo);
PostgresPollingStatusType pg_PQconnectPoll(PGconn *conn);
ConnStatusType pg_PQstatus(const PGconn *conn);
char *pg_PQerrorMessage(const PGconn *conn);
int pg_PQsocket(const PGconn *conn);
void pg_PQfinish(PGconn *conn);
int pg_PQsetnonblocking(PGconn *conn, int arg);
int pg_PQsendQueryParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
                         const char *const *paramValues, const int *paramLengths, const int *paramFormats,
                         int resultFormat);
int pg_PQflush(PGconn *conn);
int pg_PQconsumeInput(PGconn *conn);
int pg_PQisBusy(PGconn *conn);
PGresult *pg_PQgetResult(PGconn *conn);
ExecStatusType pg_PQresultStatus(const PGresult *res);
char *pg_PQresultErrorMessage(const PGresult *res);
char *pg_PQresultErrorField(const PGresult *res, int fieldcode);
int pg_PQntuples(const PGresult *res);
int pg_PQnfields(const PGresult *res);
char *pg_PQfname(const PGresult *res, int column);
char *pg_PQgetvalue(const PGresult *res, int row, int column);
int pg_PQgetisnull(const PGresult *res, int row, int column);
void pg_PQclear(PGresult *res);
#endif
