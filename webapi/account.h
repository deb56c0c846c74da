/* account.h - helpers shared by the account handlers (session.c,
 * users.c, tokens.c): JSON bodies, fields, user names and passwords. */
#ifndef PS_WEBAPI_ACCOUNT_H
#define PS_WEBAPI_ACCOUNT_H

#include "handlers.h"

#define ACCOUNT_BODY_MAX 8192
#define PASSWORD_MIN 10
#define PASSWORD_MAX 256

/* Reads a JSON object body (Content-Type application/json required).
 * Returns it (caller decrefs), or NULL after a 400/413/415 reply. */
json_t *account_read_body(const struct http_request *req, struct http_reply *reply);

/* The string member `key` of obj: NULL when absent (or JSON null); when it
 * is present but not a valid UTF-8 string of 1..maxlen bytes, sets *bad and
 * answers 400 naming it. */
const char *account_str(json_t *obj, const char *key, size_t maxlen, int *bad,
                        struct http_reply *reply);

/* Lower-cases name into out and checks it against the users.name rule
 * (^[a-z0-9][a-z0-9._@-]{0,63}$). Returns 0, or -1 (not a valid name). */
int account_name_norm(const char *name, char *out, size_t outlen);

/* Checks a new password's length (PASSWORD_MIN..PASSWORD_MAX); -1 after a
 * 400 naming field. */
int account_password_ok(const char *pw, const char *field, struct http_reply *reply);

/* Sets ctx->audit_detail to {"key": value} (value may be NULL). */
void account_audit_note(struct web_ctx *ctx, const char *key, const char *value);

#endif
