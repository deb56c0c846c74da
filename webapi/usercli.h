/* usercli.h - `webapi --set-user` / `--create-token`: accounts from the
 * command line (first admin, password resets, tokens for scripts). */
#ifndef PS_WEBAPI_USERCLI_H
#define PS_WEBAPI_USERCLI_H

struct usercli {
    const char *set_user;     /* --set-user NAME */
    const char *create_token; /* --create-token NAME */
    const char *role;         /* --role ROLE */
    int password_stdin;       /* --password-stdin: first line of stdin */
    int if_absent;            /* --if-absent: leave an existing user alone */
    int expires_days;         /* --expires-days N (tokens), 0: never */
};

/* Runs the requested action against the database; returns the exit code
 * (0 done, 1 failure, 2 usage) after printing the result or the reason. */
int usercli_run(const struct usercli *o, const char *conninfo);

#endif
