#ifndef PUSHGUARD_CHOOKSTARTUP_H
#define PUSHGUARD_CHOOKSTARTUP_H
/* How many times libgit2 asked for the CA bundle to be loaded (always answered with none). */
int pushguard_ca_bundle_requests(void);
#endif
